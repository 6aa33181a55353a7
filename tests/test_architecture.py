"""The core never imports Textual: the TUI renders it, the CLI reuses it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "m2m_tui"
# The front ends (the TUI, the CLI and its commands); everything else in m2m_tui is core.
FRONT_ENDS = ("tui", "commands", "cli.py", "__main__.py", "__init__.py")
CORE_ROOTS = sorted(
    p
    for p in PACKAGE.iterdir()
    if p.name not in FRONT_ENDS
    and (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))
)
CORE = sorted(f for root in CORE_ROOTS for f in ([root] if root.is_file() else root.rglob("*.py")))


def _dotted(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


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
    modules = ", ".join(_dotted(p) for p in CORE)
    code = f"import sys, {modules}; print('textual' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_every_core_package_is_under_the_import_contract():
    """The contract in pyproject.toml names the core's packages (and its few top-level
    modules): a new one must be added there, or lint-imports would not check it."""
    import tomllib

    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    core = next(c for c in contracts if c["name"].startswith("The core"))
    assert set(core["source_modules"]) == {_dotted(p) for p in CORE_ROOTS}


def test_the_core_is_folded_into_packages():
    """A reader finds each concern in a package named for it; at most six modules stay
    directly in m2m_tui besides __init__ and __main__."""
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in FRONT_ENDS[3:])
    assert len(loose) <= 6, loose
    for concern in ("oauth", "tokens", "diagnosis", "api", "admin", "preview", "demo", "config"):
        assert (PACKAGE / concern / "__init__.py").exists(), concern


def test_no_source_file_is_over_500_lines():
    root = PACKAGE.parent
    for folder in ("m2m_tui", "api_server", "oauth_primitives", "actions_runtime"):
        for path in (root / folder).rglob("*.py"):
            lines = len(path.read_text().splitlines())
            assert lines <= 500, f"{path.relative_to(root)} has {lines} lines: split it by concept"


def test_no_import_cycles():
    """No module reaches itself through its imports, those inside functions included
    (grimp reads every import statement): a cycle hidden behind a late import is still
    a knot a reader has to untie."""
    import grimp

    graph = grimp.build_graph("m2m_tui", "api_server", "oauth_primitives", "actions_runtime")
    knots = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                knots.append(f"{module} -> {' -> '.join(back)}")
    assert knots == []


def _layered(container: str) -> set[str]:
    """What the layers contract of `container` (pyproject.toml) names."""
    import tomllib

    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(
        c for c in contracts if c.get("type") == "layers" and c["containers"] == [container]
    )
    return {
        part.strip() for layer in layers["layers"] for part in layer.replace(":", "|").split("|")
    }


@pytest.mark.parametrize("container", ["m2m_tui", "api_server", "api_server.authority"])
def test_every_package_has_its_place_in_the_layers(container):
    """The layers contracts (pyproject.toml) order the packages of m2m_tui (front ends on
    top), of api_server (the command line on top) and of its authority (the routes on
    top); a new package must be given its place, or lint-imports would let it import
    upwards and knot two packages together (admin and session, oauth and tokens, the
    authority's state and its Management API, once)."""
    folder = PACKAGE.parent.joinpath(*container.split("."))
    packages = {p.parent.name for p in folder.glob("*/__init__.py")}
    named = _layered(container)
    assert packages <= named, packages - named


TESTS = Path(__file__).resolve().parent


def imported_test_modules(source: str, module: str) -> list[str]:
    """The test modules (`test_*`) that `source`, the file of dotted `module`, imports: by
    name, from a package (`from tests.x import test_y`), or relatively (`from .test_y`)."""
    package = module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            stem = ".".join([*base, *([node.module] if node.module else [])])
            targets = [stem] + [f"{stem}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [t for t in targets if t.split(".")[-1].startswith("test_")]
    return found


def test_the_import_check_sees_every_way_to_import_a_test_module():
    module = "tests.tui.test_a"
    assert imported_test_modules("from tests.tui.test_b import x", module) == ["tests.tui.test_b"]
    assert imported_test_modules("from .test_b import x", module) == ["tests.tui.test_b"]
    assert imported_test_modules("from ..rules.test_c import y", module) == ["tests.rules.test_c"]
    assert imported_test_modules("import tests.tui.test_b", module) == ["tests.tui.test_b"]
    assert imported_test_modules("from tests.tui import test_b", module) == ["tests.tui.test_b"]
    shared = "from tests.helpers.tui import settle\nfrom tests.conftest import GIFT\n"
    shared += "from tests.rules.generator import GOOD\nfrom tests.dpop.conftest import call\n"
    assert imported_test_modules(shared, module) == []


def test_no_test_module_imports_another():
    """What several test modules share lives in tests/helpers/, a conftest.py or a support
    module: a test module imported by another runs its module-level code twice, and its
    fixtures are collected where they were never meant to be."""
    importing = {}
    for path in sorted(TESTS.rglob("*.py")):
        module = ".".join(path.relative_to(TESTS.parent).with_suffix("").parts)
        if found := imported_test_modules(path.read_text(), module):
            importing[str(path.relative_to(TESTS.parent))] = found
    assert importing == {}, f"move what these share into tests/helpers/: {importing}"
