"""Snapshots of the main screens (pytest-textual-snapshot). Update with --snapshot-update.

The session points at nothing, so what is drawn is deterministic: no tokens, no clocks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from m2m_tui.tui.app import M2MApp
from tests.tui.conftest import make_session


@pytest.fixture
def app(tmp_path: Path, monkeypatch) -> M2MApp:
    for name in ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "RESOURCE_SERVER"):
        monkeypatch.delenv(name, raising=False)
    return M2MApp(make_session(tmp_path, "http://127.0.0.1:9/", None), autostart=False)


async def wait_workers(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_start_screen(snap_compare, app):
    assert snap_compare(app, terminal_size=(100, 30), run_before=wait_workers)


def test_api_tab_with_the_built_in_endpoints(snap_compare, app):
    assert snap_compare(app, press=["a"], terminal_size=(100, 30), run_before=wait_workers)


def test_help_screen(snap_compare, app):
    assert snap_compare(app, press=["question_mark"], terminal_size=(100, 30))


def test_inspector_with_a_garbage_token(snap_compare, app):
    async def paste(pilot) -> None:
        await wait_workers(pilot)
        # A blinking cursor is drawn or not depending on the moment: keep it still.
        pilot.app.query_one("#paste").cursor_blink = False
        pilot.app.query_one("#paste").value = "not-a-token"
        pilot.app.query_one("#paste").focus()
        await pilot.press("enter")
        await wait_workers(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=paste)
