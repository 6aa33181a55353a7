"""Keys go where the user looks: the paste box takes what is typed and pasted, a screen on
top owns the keys, and every key that cannot act says why."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input, TabbedContent

from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.grants import GrantsScreen
from m2m_tui.tui.screens import HelpScreen, TextScreen
from tests.helpers.sessions import make_session
from tests.helpers.tui import notes, settle, text_of
from tests.helpers.waiting import wait_until_async


@pytest.fixture
def session(fresh_session):
    """These tests change grants, clients or keys: each has servers of its own."""
    return fresh_session


async def test_i_puts_the_cursor_in_the_paste_box_and_typing_stays_there(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        box = app.query_one("#paste", Input)
        assert app.focused is box
        await pilot.press(*"not.a.token!!")  # t, n, a, e, ! would be shortcuts elsewhere
        await settle(pilot)
        assert box.value == "not.a.token!!"
        assert session.history == [] and session.token is None  # no token was fetched
        assert app.query_one("#tabs", TabbedContent).active == "inspector"
        assert not (session.state_dir / "exports").exists()  # e did not export


async def test_a_paste_anywhere_on_the_inspector_lands_in_the_box(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("i", "escape")  # focus on the inspector's view, not the box
        assert not isinstance(app.focused, Input)
        app.focused.post_message(events.Paste("eyJhbGciOiJub25lIn0.e30.\n"))
        await pilot.pause()
        box = app.query_one("#paste", Input)
        assert box.value == "eyJhbGciOiJub25lIn0.e30." and app.focused is box
        await pilot.press("enter")
        await settle(pilot)
        assert "alg" in text_of(app.query_one("#inspection"))


async def test_the_grants_screen_owns_the_keys(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("g", "g", "e", "t")  # the main app's keys: nothing happens
        await settle(pilot)
        assert sum(isinstance(s, GrantsScreen) for s in app.screen_stack) == 1
        assert not (session.state_dir / "exports").exists() and session.token is None
        footer = {b.binding.description for b in app.screen.active_bindings.values()}
        assert {"Update", "Test", "Cancel/Back"} <= footer
        assert not footer & {"Token", "Grants", "Export history", "Quit"}
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, GrantsScreen)  # one escape: back at the app


async def test_escape_on_the_grants_screen_cancels_a_request_first(session, monkeypatch):
    import asyncio

    from m2m_tui.session.grants import GrantsModel

    async def slow_connect(self, on_wait=None):  # a Management API that does not answer
        await asyncio.sleep(30)

    monkeypatch.setattr(GrantsModel, "connect", slow_connect)
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        screen = app.screen
        await wait_until_async(lambda: screen.running(), "the connect in flight", step=pilot.pause)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and not screen.running()
        assert "Cancelled" in text_of(screen.query_one("#grants-status"))
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, GrantsScreen)


async def test_palette_offers_cancel_and_on_the_grants_screen_its_own_actions(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Cancel the request in flight" in titles
        await pilot.press("g")
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Update", "Test", "Cancel/Back"} <= titles and "Token" not in titles


async def test_a_profile_without_an_api_says_so_and_offers_no_calls(tmp_path, stack):
    session = make_session(tmp_path, stack.issuer, stack.api_url)
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.switch_profile("admin")  # the Management API's client: no api_base_url
        await settle(pilot)
        await pilot.press("a")
        shown = text_of(app.query_one("#api-response"))
        assert "Profile admin has no API to call (no api_base_url)" in shown
        assert "Press p to switch" in shown and "gift" in shown
        assert not app.query_one("#endpoints").display
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert [e.kind for e in session.history] == ["token"]  # no call was sent
        assert "has no API to call" in notes(app)
        assert "UnsupportedProtocol" not in notes(app) + text_of(app.query_one("#api-response"))


async def test_y_shows_the_token_masked_and_popups_say_how_to_close(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, TextScreen)
        shown = " ".join(text_of(w) for w in app.screen.query("Label, Static"))
        assert session.token not in shown and session.token[:12] + "…••••••" in shown
        assert "Esc to close" in shown
        assert app.clipboard == session.token  # the clipboard has it whole
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Esc to close" in " ".join(text_of(w) for w in app.screen.query("Label"))


async def test_keys_that_cannot_act_say_why(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert "f applies the fix the Why? tab offers" in notes(app)
        await pilot.press("a", "d")  # an endpoint is selected; there is no token yet
        await pilot.pause()
        said = notes(app)
        assert "No token yet: press t for one" in said and "Pick an endpoint" not in said


async def test_the_expiry_line_lines_up_with_the_claims(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("i", "escape")
        await settle(pilot)
        expiry = app.query_one("#expiry")
        claims = app.query_one("#inspection")
        assert "expires in" in text_of(expiry)
        assert expiry.content_region.x == claims.content_region.x
