"""The README's first pictures tell the story, and the committed ones still match the app."""

from __future__ import annotations

import re
from pathlib import Path

from m2m_tui.tui.app import M2MApp
from tests.helpers.tui import svg_text
from tests.tui.story import tell

DOCS = Path(__file__).resolve().parents[2] / "docs"


STORY = {
    "api": (
        "✗ missing geocode:location",
        "← 403",
        "insufficient_scope",
    ),
    "why": (
        "REJECTED",
        "✗ scope",
        "Grant `geocode:location` to Gift Deliveries on urn:worldmappers",
        "Press f to apply the fix",
    ),
}


async def test_the_story_pictures_show_token_predictions_refusal_and_why(session):
    shots = await tell(M2MApp(session, autostart=False))
    for name, phrases in STORY.items():
        shown = svg_text(shots[name])
        for phrase in phrases:
            assert phrase in shown, (name, phrase)


def test_the_committed_story_pictures_tell_the_same_story():
    readme = (DOCS.parent / "README.md").read_text()
    first_picture = re.search(r"!\[[^\]]*\]\(([^)]+)\)", readme).group(1)
    assert first_picture == "docs/story-api.svg"
    for name, phrases in STORY.items():
        shown = svg_text((DOCS / f"story-{name}.svg").read_text())
        for phrase in phrases:
            assert phrase in shown, (name, phrase)
