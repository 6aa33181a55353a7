"""Work in flight, against an API whose calls wait at a gate until the test opens it:
what shows while a call runs, Escape cancelling it for good, and answers that do not
pull the user away. Nothing here waits a time: each step waits for the event it needs."""

from __future__ import annotations

import re

from textual.widgets import TabbedContent

from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.history_list import HistoryList
from tests.helpers.sessions import make_session
from tests.helpers.tui import notes, settle, text_of
from tests.helpers.waiting import wait_until_async


async def slow_app(tmp_path, stack, gated_api):
    session = make_session(tmp_path, stack.issuer, gated_api.url)
    return session, M2MApp(session, autostart=False)


async def with_a_token(pilot) -> None:
    """Press `t` and wait: the test goes on only once the app holds a token."""
    await settle(pilot)
    await pilot.press("t")
    await settle(pilot)
    assert pilot.app.session.tokens.current, "no token was obtained"


def elapsed(app) -> float:
    return float(re.search(r"(\d+\.\d) s", text_of(app.query_one("#api-response"))).group(1))


async def at_the_gate(pilot, gated_api, calls: int) -> None:
    await wait_until_async(
        lambda: gated_api.arrived >= calls, f"{calls} calls at the API", step=pilot.pause
    )


async def test_escape_cancels_a_slow_call_and_no_answer_arrives_later(tmp_path, stack, gated_api):
    session, app = await slow_app(tmp_path, stack, gated_api)
    async with app.run_test(size=(120, 40)) as pilot:
        await with_a_token(pilot)
        await pilot.press("a", "c")  # geocode, held at the gate
        await at_the_gate(pilot, gated_api, 1)
        await wait_until_async(
            lambda: "waiting for the answer" in text_of(app.query_one("#api-response")),
            "the waiting line",
            step=pilot.pause,
        )
        shown = text_of(app.query_one("#api-response"))
        assert shown.startswith("→ GET ") and "/api/location/geocode" in shown
        assert "Escape cancels" in shown
        first = elapsed(app)
        # The elapsed seconds count while it waits.
        await wait_until_async(lambda: elapsed(app) > first, "the count to move", step=pilot.pause)
        await pilot.press("escape")
        await pilot.pause()
        assert "Cancelled the call to GET" in notes(app)
        assert "✗ Cancelled: GET" in text_of(app.query_one("#api-response"))
        gated_api.open()  # the API answers now: nothing of it may reach the screen
        await wait_until_async(lambda: gated_api.answered == 1, "the API's answer")
        await settle(pilot)
        shown = text_of(app.query_one("#api-response"))
        # No answer line, no refusal (a bare "403" could be in the API's port number).
        assert "Cancelled" in shown and "←" not in shown and "insufficient_scope" not in shown
        assert [e.kind for e in session.history] == ["token"]
        assert app.query_one("#tabs", TabbedContent).active == "api"  # no Why? for it


async def test_a_new_call_clears_the_old_answer_and_shows_what_is_sent(tmp_path, stack, gated_api):
    session, app = await slow_app(tmp_path, stack, gated_api)
    async with app.run_test(size=(120, 40)) as pilot:
        await with_a_token(pilot)
        gated_api.release(1)
        await pilot.press("a", "c")  # geocode: 403
        await settle(pilot)
        await pilot.press("a")  # back from Why?
        assert "← 403" in text_of(app.query_one("#api-response"))
        await pilot.press("down", "down", "c")  # directions, held at the gate
        await at_the_gate(pilot, gated_api, 2)
        await pilot.pause()
        shown = text_of(app.query_one("#api-response"))
        assert "← 403" not in shown and "insufficient_scope" not in shown
        assert "/api/directions" in shown and "waiting" in shown
        gated_api.release(1)
        await settle(pilot)
        assert "← 200" in text_of(app.query_one("#api-response"))


async def test_the_lab_shows_its_progress_and_escape_stops_it(tmp_path, stack, gated_api):
    session, app = await slow_app(tmp_path, stack, gated_api)
    async with app.run_test(size=(140, 45)) as pilot:
        await with_a_token(pilot)
        await pilot.press("l")
        await at_the_gate(pilot, gated_api, 1)
        await pilot.pause()
        shown = text_of(app.query_one("#lab-view"))
        total = int(re.search(r"Sending variant 1/(\d+)", shown).group(1))
        assert total >= 7
        gated_api.release(1)  # the first variant answered: the second goes out
        await at_the_gate(pilot, gated_api, 2)
        await wait_until_async(
            lambda: f"Sending variant 2/{total}" in text_of(app.query_one("#lab-view")),
            "the second variant on screen",
            step=pilot.pause,
        )
        await pilot.press("escape")
        await pilot.pause()
        assert f"Cancelled the tamper lab (1/{total} sent)" in notes(app)
        assert f"cancelled after 1/{total} variants" in text_of(app.query_one("#lab-view"))
        gated_api.open()
        await wait_until_async(lambda: gated_api.answered == 2, "the API's second answer")
        await settle(pilot)
        assert gated_api.arrived == 2  # no third variant was sent
        assert f"after 1/{total}" in text_of(app.query_one("#lab-view"))  # nothing more came
        # The lab's calls are in the history, as every call is (it takes them in on its
        # one-second timer).
        assert [e.kind for e in session.history] == ["token", "lab"]
        table = app.query_one("#history-table", HistoryList)
        await wait_until_async(lambda: table.row_count == 2, "two history rows", step=pilot.pause)


async def test_an_answer_does_not_take_the_user_away_from_the_tab_they_chose(
    tmp_path, stack, gated_api
):
    session, app = await slow_app(tmp_path, stack, gated_api)
    async with app.run_test(size=(120, 40)) as pilot:
        await with_a_token(pilot)
        await pilot.press("a", "c")  # geocode: it will be refused
        await at_the_gate(pilot, gated_api, 1)
        await pilot.press("h")  # the user moves on while it is in flight
        await pilot.pause()
        gated_api.open()
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
        answered = misbehaving.slow_answers
        await pilot.press("t")
        await pilot.pause()
        shown = text_of(app.query_one("#token-view"))
        assert shown.startswith("Requesting a token for giftdeliveries from ")
        assert "Escape cancels" in shown
        await pilot.press("escape")
        await pilot.pause()
        assert "Cancelled the token request" in notes(app)
        # Past the server's answer (counted when it is sent, whoever is still listening).
        await wait_until_async(lambda: misbehaving.slow_answers > answered, "the slow answer")
        await settle(pilot)
        assert text_of(app.query_one("#token-view")).startswith("✗ Token request cancelled")
        assert session.token is None and session.history == []
