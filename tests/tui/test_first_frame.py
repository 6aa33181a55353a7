"""The first frame comes before the session and the tabs load (issue 35): it shows the
profile and the keys at once; the keys wait until the tabs are there, then work."""

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
        assert "Token  Inspector  API  Why?  Lab  History" in first
        assert "Profile gift  issuer " + shared_stack.issuer in first
        assert "Press t for a token" in first
        assert app.sub_title.startswith("gift · giftdeliveries")
        assert not app.query(TabbedContent) and not hasattr(app, "session")
        assert app.check_action("token", ()) is None  # shown dimmed, not run
        assert app.check_action("quit", ()) is True
        await pilot.press("t")  # too early: nothing happens, nothing breaks
        gate.set()
        await settle(pilot)
        assert not app.query(FirstFrame) and app.query_one("#tabs", TabbedContent)
        assert app.session.history == []  # the early t requested nothing
        await pilot.press("t")
        await settle(pilot)
        assert "✓ Token received" in text_of(app.query_one("#token-view"))
