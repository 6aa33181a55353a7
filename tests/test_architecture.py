"""The core never imports Textual: the TUI renders it, the CLI reuses it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "m2m_tui"
# The CLI is a front end (it opens the TUI); everything else at this level is core.
CORE = sorted(p for p in PACKAGE.glob("*.py") if p.name not in ("__main__.py", "cli.py"))


def test_no_core_module_imports_textual_in_its_source():
    for path in CORE:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("textual", "m2m_tui.tui")), (
                    f"{path.name} imports {name}"
                )


def test_importing_the_whole_core_loads_no_textual():
    modules = ", ".join(f"m2m_tui.{p.stem}" for p in CORE if p.stem != "__init__")
    code = f"import sys, {modules}; print('textual' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
