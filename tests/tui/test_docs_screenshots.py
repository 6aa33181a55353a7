"""The README's screenshots are the app's own snapshots, so they cannot drift from it.
After `pytest --snapshot-update`, copy the changed ones into docs/ (see docs/README.md)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_snapshots"
DOCS = {
    "api-tab.svg": "test_api_tab_with_the_built_in_endpoints.svg",
    "help.svg": "test_help_screen.svg",
    "start.svg": "test_start_screen.svg",
    "inspector-garbage.svg": "test_inspector_with_a_garbage_token.svg",
}


def test_docs_screenshots_match_the_current_snapshots():
    for doc, snapshot in DOCS.items():
        assert (ROOT / "docs" / doc).read_bytes() == (SNAPSHOTS / snapshot).read_bytes(), (
            f"docs/{doc} is stale: copy {snapshot} over it"
        )
