"""History tells the whole story: the Management API changes that the Why? panel's f and
the Grants screen make are entries of their own (kind admin), shown and exported."""

from __future__ import annotations

import json

from textual.widgets import SelectionList

from m2m_tui.tui.app import M2MApp
from tests.helpers.tui import settle


def exported(app) -> list[dict]:
    """What `e` wrote: the newest export's entries."""
    folder = app.session.state_dir / "exports"
    newest = max(folder.iterdir(), key=lambda p: p.stat().st_mtime)
    return json.loads(newest.read_text())["entries"]


async def test_the_fix_and_the_grants_screen_are_in_the_history_and_its_export(fresh_session):
    session = fresh_session
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("a", "c")  # geocode, with directions only: 403, then Why?
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        changes = [e for e in session.history if e.kind == "admin"]
        assert len(changes) == 1, [(e.kind, e.summary) for e in session.history]
        fix = changes[0]
        assert fix.status == "200"
        assert fix.summary.startswith("grant ")
        assert fix.summary.endswith("scope → directions geocode:location")
        # The Grants screen: reverse-geocode added, saved with ctrl+u.
        await pilot.press("g")
        await settle(pilot)
        app.screen.query_one("#scopes", SelectionList).select("reverse-geocode:location")
        await pilot.press("ctrl+u")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        changes = [e for e in session.history if e.kind == "admin"]
        assert len(changes) == 2
        assert changes[1].summary.endswith(
            "scope → directions geocode:location reverse-geocode:location"
        )
        # In the History tab, in order among the token requests and calls.
        await pilot.press("h")
        await settle(pilot)
        kinds = [e.kind for e in session.history]
        assert kinds.index("admin") > kinds.index("call")
        screen = app.export_screenshot().replace("&#160;", " ")
        assert "admin" in screen and "scope → directions geocode:location" in screen
        await pilot.press("e")
        await settle(pilot)
        entries = [e for e in exported(app) if e["kind"] == "admin"]
        assert [e["what"] for e in entries] == [c.summary for c in changes]
        request = entries[1]["request"]
        assert request["method"] == "PATCH" and "/api/v2/client-grants/" in request["url"]
        assert request["body"] == {
            "scope": ["directions", "geocode:location", "reverse-geocode:location"]
        }
        assert request["headers"]["Authorization"] == "Bearer ••••••"
        assert entries[1]["response"]["status"] == 200
        text = json.dumps(exported(app))
        assert "m2m-admin-local-secret" not in text and session.token not in text
