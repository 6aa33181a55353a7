"""The README's screenshots are the app's own snapshots, so they cannot drift from it.
After `pytest --snapshot-update`, copy the changed ones into docs/ (see docs/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.tui import settle

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


def words(svg: str) -> str:
    """What a screenshot shows, as text: its <text> elements, layout spaces dropped
    (the styles' class names differ from one drawing to the next)."""
    import html
    import re

    shown = " ".join(re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S))
    return "".join(html.unescape(re.sub(r"<[^>]+>", "", shown)).split())


SCENES = {  # what a user does to see each README screenshot
    "start.svg": [],
    "api-tab.svg": ["a"],
    "help.svg": ["question_mark"],
    "inspector-garbage.svg": "paste not-a-token",
}


@pytest.mark.parametrize("doc", sorted(SCENES))
async def test_each_docs_screenshot_shows_what_the_app_draws_now(doc, offline_app):
    """The app is drawn here, afresh: a screenshot in docs/ that the app no longer
    matches fails, whatever the committed snapshots say."""
    app = offline_app
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        scene = SCENES[doc]
        if isinstance(scene, str):
            box = app.query_one("#paste")
            box.cursor_blink = False
            box.value = scene.split(" ", 1)[1]
            box.focus()
            await pilot.press("enter")
        else:
            await pilot.press(*scene)
        await settle(pilot)
        drawn = app.export_screenshot()
    assert words(drawn) == words((ROOT / "docs" / doc).read_text())
