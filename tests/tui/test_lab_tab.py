"""The Lab tab: the current token broken one way at a time, each variant sent."""

from __future__ import annotations

import re

from m2m_tui.tui.app import M2MApp
from tests.helpers.tui import notes, settle, text_of


async def test_l_runs_the_tamper_lab_on_the_current_token(session, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="api_server.api")
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        caplog.clear()
        await pilot.press("a", "down", "down", "l")
        await settle(pilot)
        lab = text_of(app.query_one("#lab-view"))
        asked = [r for r in caplog.records if "oauth-protected-resource" in r.getMessage()]
        # The metadata the API tab read at start, reused (max-age) by all seven variants.
        assert len(asked) == 0
        for name in (
            "expired",
            "other aud",
            "scope removed",
            "scope added",
            "alg none",
            "re-signed",
            "no signature",
        ):
            assert name in lab
        # A status of its own, not digits of a port number.
        assert re.search(r"(?<![\d.:])401(?!\d)", lab) and "disagrees" not in lab


async def test_l_without_a_token_says_what_to_do_first(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await pilot.pause()
        assert "press t for one" in notes(app)
        assert app.query_one("#tabs").active == "token"
