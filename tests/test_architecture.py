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


def test_every_core_module_is_under_the_import_contract():
    """The contract in pyproject.toml lists the core by name: a new core module must be
    added there, or lint-imports would not check it."""
    import tomllib

    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    core = next(c for c in contracts if c["name"].startswith("The core"))
    listed = set(core["source_modules"])
    expected = {f"m2m_tui.{p.stem}" for p in CORE if p.stem != "__init__"}
    assert listed == expected


def test_no_source_file_is_over_500_lines():
    root = PACKAGE.parent
    for folder in ("m2m_tui", "api_server"):
        for path in (root / folder).rglob("*.py"):
            lines = len(path.read_text().splitlines())
            assert lines <= 500, f"{path.relative_to(root)} has {lines} lines: split it by concept"


def test_no_import_cycles():
    """No module reaches itself through its imports, those inside functions included
    (grimp reads every import statement): a cycle hidden behind a late import is still
    a knot a reader has to untie."""
    import grimp

    graph = grimp.build_graph("m2m_tui", "api_server", "oauth_primitives")
    knots = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                knots.append(f"{module} -> {' -> '.join(back)}")
    assert knots == []
