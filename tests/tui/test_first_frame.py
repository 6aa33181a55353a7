"""The first frame comes before the session and the tabs load (issue 35): it shows the
profile and the keys at once; the keys are dimmed until the tabs are there, and one
pressed meanwhile is held and runs then (the frame says "Press t")."""

from __future__ import annotations

import threading

from textual.widgets import TabbedContent

from m2m_tui.session.loader import SessionLoader
from m2m_tui.tui import app_loading
from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.first_frame import FirstFrame
from tests.helpers.sessions import make_session
from tests.helpers.tui import settle, text_of
from tests.helpers.waiting import wait_until_async


async def test_the_first_frame_shows_the_profile_then_the_tabs_take_its_place(
    tmp_path, shared_stack, monkeypatch
):
    opened = make_session(tmp_path, shared_stack.issuer, shared_stack.api_url)
    loader = SessionLoader(opened.config, tmp_path / "state", opened.profile)
    gate = threading.Event()  # the rest of the app's modules "load" until it opens
    monkeypatch.setattr(app_loading, "_import_the_rest", lambda: gate.wait(60))
    app = M2MApp(loader, autostart=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until_async(
            lambda: list(app.query("FooterKey")), "the footer's keys", step=pilot.pause
        )
        first = text_of(app.query_one(FirstFrame))
        assert "Token  Preview  Inspector  API  Why?  Lab  History" in first
        assert "Profile gift  issuer " + shared_stack.issuer in first
        assert "Press t for a token" in first
        assert app.sub_title.startswith("gift · giftdeliveries")
        assert not app.query(TabbedContent) and not hasattr(app, "session")
        assert app.check_action("token", ()) is None  # shown dimmed, not run
        assert app.check_action("quit", ()) is True
        await pilot.press("t")  # early: held, nothing breaks
        await pilot.pause()
        assert not app.query(TabbedContent) and not hasattr(app, "session")
        gate.set()
        await settle(pilot)
        assert not app.query(FirstFrame) and app.query_one("#tabs", TabbedContent)
        # The early t, run once the tabs were there: one token, no second request.
        assert "✓ Token received" in text_of(app.query_one("#token-view"))
        assert [entry.kind for entry in app.session.history] == ["token"]


async def test_keys_pressed_while_loading_are_held_a_few_at_most(
    tmp_path, shared_stack, monkeypatch
):
    opened = make_session(tmp_path, shared_stack.issuer, shared_stack.api_url)
    loader = SessionLoader(opened.config, tmp_path / "state", opened.profile)
    gate = threading.Event()
    monkeypatch.setattr(app_loading, "_import_the_rest", lambda: gate.wait(60))
    app = M2MApp(loader, autostart=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until_async(
            lambda: list(app.query("FooterKey")), "the footer's keys", step=pilot.pause
        )
        for _ in range(10):
            await pilot.press("n")  # someone leaning on the key: not ten tokens
        await pilot.pause()
        assert len(app.held_actions) == app_loading.HELD_KEYS
        gate.set()
        await settle(pilot)
        # Each new request cancels the one before (an exclusive worker): one token.
        assert [entry.kind for entry in app.session.history] == ["token"]
        assert app.held_actions == []
