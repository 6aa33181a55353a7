"""Notices at 80×24: in a line of their own, never over the answer being read, and
gone after a few seconds that fit their length."""

from __future__ import annotations

from textual.widgets import Footer

from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.notice_line import NoticeLine, notice_seconds
from tests.helpers.tui import screen_words, settle, text_of


async def test_a_notice_never_covers_the_answer_and_takes_the_footers_place(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("a", "down", "down", "c")  # directions: a 200 and its body
        await settle(pilot)
        await pilot.press("e")  # "Exported 2 entries to …/history-….json (…)": two lines
        await settle(pilot)
        line = app.query_one(NoticeLine)
        assert line.display and "Exported" in text_of(line)
        assert not list(app.screen.query("Toast"))  # no toast floats over the tabs
        answer = app.query_one("#api-response").parent  # its scrolling box, as shown
        assert answer.region.height > 0
        assert not line.region.overlaps(answer.region), (line.region, answer.region)
        assert not app.query_one(Footer).display  # the line stands in for the keys
        assert line.region.bottom == 24  # the screen's last rows
        line.clear()  # what its timer does when the time is up
        await settle(pilot)
        assert app.query_one(Footer).display and not line.display


def test_notices_are_short_and_a_long_one_stays_long_enough_to_read():
    assert notice_seconds("Cancelled the call.", "information") == 3.0
    assert notice_seconds("No token to copy yet.", "warning") == 5.0
    assert notice_seconds("cannot connect", "error") == 7.0
    long = "x" * 150  # six seconds of reading
    assert notice_seconds(long, "information") == 6.0
    assert notice_seconds("x" * 1000, "error") == 9.0  # never the 10–15 s of before


async def test_over_a_modal_screen_a_short_toast_says_it(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        app.notify("No token to copy yet.", severity="warning")
        await settle(pilot)
        toasts = list(app._notifications)
        assert [t.message for t in toasts] == ["No token to copy yet."]
        assert toasts[0].timeout == 5.0


async def test_ctrl_c_says_in_words_which_key_quits(session):
    """Textual's own ctrl+c notice is Rich markup ("Press [b]ctrl+q[/b] …"); the notice
    line shows text as written, so the app says it in plain words."""
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await settle(pilot)
        shown = text_of(app.query_one(NoticeLine)).strip()
        assert "[" not in shown and "]" not in shown, shown
        assert shown.startswith("Press q") and "to quit the app" in shown, shown
        assert app.is_running  # it only said so


async def test_the_footer_shows_every_key_as_written(session):
    """Each key the footer lists is shown with its description, no markup eaten: the
    bindings' words reach the screen as they are written."""
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = screen_words(app)
        for key in ("t Token", "c Call", "d Why?", "g Grants", "? Help", "q Quit"):
            assert key in shown, (key, shown)
        assert "[b]" not in shown, shown
