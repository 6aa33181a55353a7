"""The app as a whole: profiles, help, copies, sizes, keys and the command palette."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TabbedContent

from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.history_list import HistoryList
from m2m_tui.tui.screens import HelpScreen, ProfileScreen, TextScreen
from m2m_tui.tui.tabs import TABS
from tests.helpers.sessions import make_session
from tests.helpers.tui import settle, text_of


async def test_profile_switch_help_and_copy(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("p")
        assert isinstance(app.screen, ProfileScreen)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert session.profile.name == "admin"
        assert "admin" in app.sub_title
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("y")
        assert isinstance(app.screen, TextScreen)
        assert app.clipboard == session.token


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_usable_at_small_and_large_sizes(session, size):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("t")
        await settle(pilot)
        # i puts the cursor in the paste box (issue 25); escape leaves it for the keys.
        for tab in ("i", "escape", "a", "h"):
            await pilot.press(tab)
            await pilot.pause()
        assert app.query_one("#tabs", TabbedContent).active == "history"
        assert app.query_one("#history-table", HistoryList).row_count == 1


async def test_escape_leaves_a_text_box_so_keys_work_again(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one("#paste", Input).focus()
        await pilot.press("escape", "h")
        assert app.query_one("#tabs", TabbedContent).active == "history"


async def test_command_palette_lists_every_action(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)):
        titles = {c.title for c in app.get_system_commands(app.screen)}
        every = {b.description for b in app.BINDINGS if b.action != "quit"}
        for _, _, tab in TABS:
            every |= {b.description for b in tab.__dict__.get("BINDINGS", [])}
        assert every <= titles, every - titles


async def test_text_from_the_config_keeps_its_square_brackets(tmp_path, shared_stack):
    """Rich markup never eats what a config or a server says: `[server]` in a notification,
    and a profile called `[lab]`, show as written."""
    from textual.widgets import OptionList

    from m2m_tui.tui.notice_line import NoticeLine

    session = make_session(
        tmp_path,
        shared_stack.issuer,
        shared_stack.api_url,
        **{'"[lab]"': f'issuer = "{shared_stack.issuer}"\nclient_id = "x"\nclient_secret = "y"'},
    )
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.notify("move the bundled server with authority_port in [server].")
        await settle(pilot)
        shown = text_of(app.query_one(NoticeLine)).strip()
        assert shown.endswith("authority_port in [server]."), shown
        await pilot.press("p")
        await pilot.pause()
        shown = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert any(p.endswith("[lab]") for p in shown), shown
        profiles = app.screen.query_one(OptionList)
        assert any("[lab]" in str(profiles.render_line(y).text) for y in range(3))


async def test_a_tab_shown_on_purpose_is_not_taken_back_by_a_stale_focus(session):
    """A pane that receives focus becomes the active tab, a few turns later. Another tab
    shown meanwhile on purpose (the demo's next step, the Token tab after a fix) stays."""
    from textual.widgets import TabbedContent

    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # Each focuses its tab's content; the API table's pane, deeper, says so last.
        app.action_show_tab("api")
        app.action_show_tab("token")  # at once, as the demo's next step after a fix
        await settle(pilot)
        assert app.query_one("#tabs", TabbedContent).active == "token"


async def test_an_answer_that_arrives_as_the_app_closes_is_dropped(session, monkeypatch):
    """Under load a token request's answer reached the app while it was closing: its tabs
    were already gone and the app ended in NoMatches. Nothing is left to show it on."""
    from m2m_tui.tui.messages import LabDone, TokenReceived
    from m2m_tui.tui.tabs import AppTabs

    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await settle(pilot)
        outcome = session.tokens.outcome
        assert outcome.ok
        # What Textual's shutdown does first: not running, then the screens' widgets go.
        monkeypatch.setattr(M2MApp, "is_running", property(lambda self: False))
        await app.query_one(AppTabs).remove()
        app.post_message(TokenReceived(outcome))
        app.post_message(LabDone())
        await pilot.pause()
    # run_test raises what a handler raised; reaching here, none did.
    assert not app.query("#history-tab")
