"""The History tab: a long history, marks, and the diff of two tokens."""

from __future__ import annotations

import jwt

from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.history_list import HistoryList
from tests.helpers.tui import notes, settle, text_of


async def test_history_pages_through_thousands_of_entries_drawing_only_what_shows(session):
    # How fast that is lives in bench/tui.py; this checks what is drawn and selected.
    from m2m_tui.session.session import HistoryEntry

    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        for i in range(5000):
            session.history.add(HistoryEntry(float(i), "call", f"GET /x/{i}", "200"))
        app.history.sync()
        await pilot.press("h", "ctrl+end")
        await pilot.pause()
        table = app.query_one("#history-table", HistoryList)
        assert table.row_count == 5000 and table.cursor_row == 4999
        screen = app.export_screenshot().replace("&#160;", " ")
        assert "GET /x/4999" in screen and "GET /x/10 " not in screen
        assert "call: GET /x/4999 (200)" in text_of(app.query_one("#history-detail"))
        await pilot.press("home", "pagedown", "down")
        await pilot.pause()
        rows = table.page_rows
        assert table.cursor_row == rows + 1
        assert f"call: GET /x/{rows + 1} (200)" in text_of(app.query_one("#history-detail"))
        screen = app.export_screenshot().replace("&#160;", " ")
        assert f"GET /x/{rows + 1} " in screen and "GET /x/0 " not in screen


async def test_a_marked_row_shows_its_mark_and_x_on_a_call_names_it(session):
    from m2m_tui.oauth.token_request import TokenOutcome
    from m2m_tui.session.session import HistoryEntry

    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        token = "eyJhbGciOiJub25lIn0.eyJzY29wZSI6ImRpcmVjdGlvbnMifQ."
        session.history.add(
            HistoryEntry(1.0, "token", "giftdeliveries", "200", outcome=TokenOutcome(None, token))
        )
        session.history.add(HistoryEntry(2.0, "call", "GET /api/directions", "200"))
        app.history.sync()
        await pilot.press("h", "home", "m")
        await pilot.pause()
        table = app.query_one("#history-table", HistoryList)
        assert table.marked == 0
        assert table.render_line(1).text.startswith("●")  # the marked row
        assert not table.render_line(2).text.startswith("●")
        await pilot.press("down", "x")
        await pilot.pause()
        said = notes(app)
        assert "Row 2 is a call, not a token" in said and "marked row 1" in said
        assert "Mark a token with m" not in said


async def test_any_two_history_tokens_can_be_diffed(fresh_session, stack):
    app = M2MApp(fresh_session, autostart=False)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        admin = stack.admin()
        grant = admin.get("/client-grants", params={"client_id": "giftdeliveries"}).json()[0]
        admin.patch(f"/client-grants/{grant['id']}", json={"scope": ["geocode:location"]})
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("h", "up", "m", "down", "x")
        await pilot.pause()
        shown = text_of(app.query_one("#history-detail"))
        assert "Token diff: row 1 → row 2" in shown
        assert "+geocode:location" in shown and "-directions" in shown
        # Every other claim that differs, with both values: the jti always does.
        tokens = [e.outcome.access_token for e in fresh_session.history if e.kind == "token"]
        before, after = (jwt.decode(t, options={"verify_signature": False}) for t in tokens)
        row = next(line for line in shown.splitlines() if "│ jti " in line)
        assert before["jti"] in row and after["jti"] in row
        assert row.index(before["jti"]) < row.index(after["jti"])
        assert "│ aud " not in shown and "│ sub " not in shown  # the same: not listed
