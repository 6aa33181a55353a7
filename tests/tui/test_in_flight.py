"""Work in flight, against an API that takes 3 s per call: what shows while it runs,
Escape cancelling it for good, and answers that do not pull the user away."""

from __future__ import annotations

import asyncio
import re

import pytest
from textual.widgets import TabbedContent

from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.history_list import HistoryList
from tests.tui.conftest import make_session, notes, settle, text_of

pytestmark = pytest.mark.slow  # each waits out a slow server


async def slow_app(tmp_path, stack, slow_api):
    session = make_session(tmp_path, stack.issuer, slow_api.url)
    return session, M2MApp(session, autostart=False)


async def with_a_token(pilot) -> None:
    await settle(pilot)
    await pilot.press("t")
    await settle(pilot)


async def test_escape_cancels_a_slow_call_and_no_answer_arrives_later(tmp_path, stack, slow_api):
    session, app = await slow_app(tmp_path, stack, slow_api)
    async with app.run_test(size=(120, 40)) as pilot:
        await with_a_token(pilot)
        await pilot.press("a", "c")  # geocode, 3 s away
        await pilot.pause(0.4)
        shown = text_of(app.query_one("#api-response"))
        assert shown.startswith("→ GET ") and "/api/location/geocode" in shown
        assert "waiting for the answer" in shown and "Escape cancels" in shown
        first = float(re.search(r"(\d+\.\d) s", shown).group(1))
        await pilot.pause(1.0)
        later = float(re.search(r"(\d+\.\d) s", text_of(app.query_one("#api-response"))).group(1))
        assert later >= first + 0.8  # the elapsed seconds count while it waits
        await pilot.press("escape")
        await pilot.pause()
        assert "Cancelled the call to GET" in notes(app)
        assert "✗ Cancelled: GET" in text_of(app.query_one("#api-response"))
        await asyncio.sleep(slow_api.delay)  # the API's answer would have come by now
        await settle(pilot)
        shown = text_of(app.query_one("#api-response"))
        assert "Cancelled" in shown and "←" not in shown and "403" not in shown
        assert [e.kind for e in session.history] == ["token"]
        assert app.query_one("#tabs", TabbedContent).active == "api"  # no Why? for it


async def test_a_new_call_clears_the_old_answer_and_shows_what_is_sent(tmp_path, stack, slow_api):
    session, app = await slow_app(tmp_path, stack, slow_api)
    async with app.run_test(size=(120, 40)) as pilot:
        await with_a_token(pilot)
        await pilot.press("a", "c")  # geocode: 403 after 3 s
        await settle(pilot)
        await pilot.press("a")  # back from Why?
        assert "← 403" in text_of(app.query_one("#api-response"))
        await pilot.press("down", "down", "c")  # directions
        await pilot.pause(0.4)
        shown = text_of(app.query_one("#api-response"))
        assert "403" not in shown and "/api/directions" in shown and "waiting" in shown
        await settle(pilot)
        assert "← 200" in text_of(app.query_one("#api-response"))


async def test_the_lab_shows_its_progress_and_escape_stops_it(tmp_path, stack, slow_api):
    session, app = await slow_app(tmp_path, stack, slow_api)
    async with app.run_test(size=(140, 45)) as pilot:
        await with_a_token(pilot)
        await pilot.press("l")
        await pilot.pause(0.4)
        shown = text_of(app.query_one("#lab-view"))
        total = int(re.search(r"Sending variant 1/(\d+)", shown).group(1))
        assert total >= 7
        await pilot.pause(slow_api.delay + 0.5)
        assert f"Sending variant 2/{total}" in text_of(app.query_one("#lab-view"))
        await pilot.press("escape")
        await pilot.pause()
        assert f"Cancelled the tamper lab (1/{total} sent)" in notes(app)
        assert f"cancelled after 1/{total} variants" in text_of(app.query_one("#lab-view"))
        await asyncio.sleep(slow_api.delay + 0.5)
        await settle(pilot)
        assert f"after 1/{total}" in text_of(app.query_one("#lab-view"))  # nothing more came
        # The lab's calls are in the history, as every call is.
        await pilot.pause(1.1)  # the history takes in new rows every second
        kinds = [e.kind for e in session.history]
        assert kinds == ["token", "lab"]
        assert app.query_one("#history-table", HistoryList).row_count == 2


async def test_an_answer_does_not_take_the_user_away_from_the_tab_they_chose(
    tmp_path, stack, slow_api
):
    session, app = await slow_app(tmp_path, stack, slow_api)
    async with app.run_test(size=(120, 40)) as pilot:
        await with_a_token(pilot)
        await pilot.press("a", "c")  # geocode: refused in 3 s
        await pilot.pause(0.3)
        await pilot.press("h")  # the user moves on while it is in flight
        await settle(pilot)
        tabs = app.query_one("#tabs", TabbedContent)
        assert tabs.active == "history"
        assert str(tabs.get_tab("why").label) == "Why? ●"  # news, as a badge
        assert "REJECTED" in text_of(app.query_one("#why-view"))
        await pilot.press("d")  # asked for: Why? comes, and the badge goes
        await settle(pilot)
        assert tabs.active == "why" and str(tabs.get_tab("why").label) == "Why?"


async def test_a_token_request_in_flight_says_so_and_escape_ends_it(tmp_path, misbehaving):
    session = make_session(tmp_path, misbehaving.base("slow"), None)  # answers after 5 s
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause(0.3)
        shown = text_of(app.query_one("#token-view"))
        assert shown.startswith("Requesting a token for giftdeliveries from ")
        assert "Escape cancels" in shown
        await pilot.press("escape")
        await pilot.pause()
        assert "Cancelled the token request" in notes(app)
        await asyncio.sleep(5.5)  # past the server's answer
        await settle(pilot)
        assert text_of(app.query_one("#token-view")).startswith("✗ Token request cancelled")
        assert session.token is None and session.history == []
