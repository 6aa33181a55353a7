"""Snapshots of the main screens (pytest-textual-snapshot). Update with --snapshot-update.

The session points at nothing, so what is drawn is deterministic: no tokens, no clocks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from m2m_tui.api.worldmappers import ENDPOINTS as BUILT_IN
from m2m_tui.tui.app import M2MApp
from tests.helpers.sessions import make_session
from tests.helpers.tui import settle, svg_text


async def wait_workers(pilot) -> None:
    await settle(pilot)


def test_start_screen(snap_compare, offline_app):
    assert snap_compare(offline_app, terminal_size=(100, 30), run_before=wait_workers)


def test_api_tab_with_the_built_in_endpoints(snap_compare, offline_app):
    assert snap_compare(offline_app, press=["a"], terminal_size=(100, 30), run_before=wait_workers)


def test_help_screen(snap_compare, offline_app):
    assert snap_compare(offline_app, press=["question_mark"], terminal_size=(100, 30))


def test_inspector_with_a_garbage_token(snap_compare, offline_app):
    async def paste(pilot) -> None:
        await wait_workers(pilot)
        # A blinking cursor is drawn or not depending on the moment: keep it still.
        pilot.app.query_one("#paste").cursor_blink = False
        pilot.app.query_one("#paste").value = "not-a-token"
        pilot.app.query_one("#paste").focus()
        await pilot.press("enter")
        await wait_workers(pilot)

    assert snap_compare(offline_app, terminal_size=(100, 30), run_before=paste)


# --- 80×24, a supported size ---------------------------------------------------------------
NARROW = (80, 24)
# A token with fixed claims and no signature: deterministic predictions, no clock in it.
TOKEN = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0."
    "eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4xOjkvIiwic3ViIjoiZ2lmdGRlbGl2ZXJpZXNAY2xpZW50cyIs"
    "ImF1ZCI6InVybjp3b3JsZG1hcHBlcnMiLCJzY29wZSI6ImRpcmVjdGlvbnMifQ.c2ln"
)


@pytest.fixture
def narrow(tmp_path: Path, monkeypatch) -> M2MApp:
    """The built-in endpoints (the API at :9 does not answer) and a token in hand."""
    for name in ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "RESOURCE_SERVER"):
        monkeypatch.delenv(name, raising=False)
    session = make_session(tmp_path, "http://127.0.0.1:9/", "http://127.0.0.1:9")
    session.tokens.hold(TOKEN)
    return M2MApp(session, autostart=False)


def footer_and_predictions_fit(app: M2MApp) -> int:
    """The footer's keys are all on screen; where the API tab is showing, every prediction
    is drawn whole and the endpoints table is no wider than its room. Returns how many
    predictions were seen, so a caller knows they were checked."""
    screen = svg_text(app.export_screenshot())
    assert "t Token c Call d Why? g Grants ? Help q Quit" in screen and "^p palette" in screen
    shown = [table for table in app.query("#endpoints") if table.region.area]
    predictions = [
        " ".join(str(table.get_row_at(row)[3]).split())
        for table in shown
        for row in range(table.row_count)
    ]
    for table in shown:
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= table.size.width
    cut = [p for p in predictions if p not in screen]
    assert not cut, f"predictions not drawn whole: {cut}"
    return len(predictions)


def test_80x24_token_tab(snap_compare, narrow):
    assert snap_compare(narrow, terminal_size=NARROW, run_before=wait_workers)


def test_80x24_api_tab_shows_whole_predictions(snap_compare, narrow):
    async def api(pilot) -> None:
        await wait_workers(pilot)
        await pilot.press("a")
        await wait_workers(pilot)
        table = pilot.app.query_one("#endpoints")
        predictions = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
        assert "✗ missing geocode:location" in predictions
        assert "✗ missing reverse-geocode:location" in predictions
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= table.size.width

    assert snap_compare(narrow, terminal_size=NARROW, run_before=api)


def test_80x24_inspector(snap_compare, narrow):
    async def inspect(pilot) -> None:
        await wait_workers(pilot)
        box = pilot.app.query_one("#paste")
        box.cursor_blink = False
        await pilot.press("i")
        box.value = TOKEN
        await pilot.press("enter", "escape")
        await wait_workers(pilot)

    assert snap_compare(narrow, terminal_size=NARROW, run_before=inspect)


def pressing(*keys: str):
    """A run_before: the keys, their work done, the toasts it left cleared."""

    async def run(pilot) -> None:
        await wait_workers(pilot)
        await pilot.press(*keys)
        await wait_workers(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    return run


def test_80x24_why_tab(snap_compare, narrow):
    assert snap_compare(narrow, terminal_size=NARROW, run_before=pressing("a", "d"))


def test_80x24_history_tab(snap_compare, narrow):
    async def history(pilot) -> None:
        await wait_workers(pilot)
        await pilot.press("h")
        await pilot.pause()

    assert snap_compare(narrow, terminal_size=NARROW, run_before=history)


def test_80x24_footer_and_predictions_fit_on_every_tab(narrow):
    import asyncio

    async def run() -> None:
        async with narrow.run_test(size=NARROW) as pilot:
            await wait_workers(pilot)
            # On each tab (not in a text box, where letters are typed, not keys).
            seen = {}
            for keys in (("a",), ("h",), ("i", "escape"), ("t",)):
                await pilot.press(*keys)
                await wait_workers(pilot)
                seen[keys] = footer_and_predictions_fit(narrow)
            # The predictions are on the API tab alone, one a built-in endpoint; elsewhere, none.
            assert seen[("a",)] == len(BUILT_IN)
            assert [n for keys, n in seen.items() if keys != ("a",)] == [0, 0, 0]

    asyncio.run(run())


def test_80x24_grants_screen(snap_compare, tmp_path, stack, monkeypatch):
    for name in ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "RESOURCE_SERVER"):
        monkeypatch.delenv(name, raising=False)
    session = make_session(tmp_path, stack.issuer, stack.api_url)  # a tenant as seeded
    app = M2MApp(session, autostart=False)

    async def grants(pilot) -> None:
        await wait_workers(pilot)
        await pilot.press("g")
        screen = pilot.app.screen
        await settle(pilot)
        for table_id in ("#apis", "#clients"):
            table = screen.query_one(table_id)
            assert sum(c.get_render_width(table) for c in table.columns.values()) <= (
                table.size.width
            )
        # Two things differ from run to run, the port and a grant id: the lines that show
        # them are checked whole here, then only those two values are fixed for the shot.
        status = screen.query_one("#grants-status")
        said = str(status.render())
        assert said == f"Management API of {stack.issuer} · escape goes back", said
        screen.status(said.replace(stack.issuer, "http://127.0.0.1:PORT/"))
        title = screen.query_one("#grant-title")
        grant = screen.editor.model.grant_for("giftdeliveries", "urn:worldmappers")
        shown = str(title.render())
        assert grant["id"] in shown and shown.count(grant["id"]) == 1, shown
        title.update(shown.replace(grant["id"], "cgr_ID"))
        await pilot.pause()

    assert snap_compare(app, terminal_size=NARROW, run_before=grants)


def test_80x24_lab_tab(snap_compare, narrow):
    assert snap_compare(narrow, terminal_size=NARROW, run_before=pressing("a", "l"))
