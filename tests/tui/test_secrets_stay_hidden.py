"""Tokens and secrets stay out of what a user shares: screenshots and history exports."""

from __future__ import annotations

import json
import stat

import pytest

from m2m_tui.tui.app import M2MApp
from tests.conftest import GIFT
from tests.helpers.tui import paste, settle

SECRET = GIFT[1]


def fragments(token: str) -> list[str]:
    """16-character pieces of the payload and signature: any of them on screen or in a
    file means the token leaked. (The header, shown shortened, is not secret.)"""
    secret_part = token.split(".", 1)[1]
    return [secret_part[i : i + 16] for i in range(0, len(secret_part) - 16, 8)]


def leaks(text: str, token: str) -> list[str]:
    found = [f for f in fragments(token) if f in text]
    if SECRET in text:
        found.append(SECRET)
    return found


@pytest.mark.slow
async def test_no_screen_shows_the_token_or_the_secret(session):
    app = M2MApp(session, autostart=False)
    screens = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        token = session.token
        screens.append(app.export_screenshot())  # token tab: the exchange
        await pilot.press("a", "c")  # geocode without the scope: refused, Why? opens
        await settle(pilot)
        screens.append(app.export_screenshot())
        await pilot.press("a")
        screens.append(app.export_screenshot())  # the response, Authorization masked
        await pilot.press("l")  # the tamper lab sends seven altered tokens
        await settle(pilot)
        screens.append(app.export_screenshot())
        await paste(pilot, token)  # in the inspector
        screens.append(app.export_screenshot())
        await pilot.press("escape", "h")
        await pilot.pause()
        screens.append(app.export_screenshot())
    screens = [svg.replace("&#160;", " ") for svg in screens]
    assert "signature verified" in screens[4]  # the pasted token was inspected
    assert "TAMPER" in screens[3].upper() or "tamper" in screens[3]
    assert all(leaks(svg, token) == [] for svg in screens)


async def test_history_export_masks_every_secret(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")  # nothing yet: a warning, no file
        await pilot.pause()
        assert not (session.state_dir / "exports").exists()
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("a", "c")  # refused: the call and its challenge are recorded
        await settle(pilot)
        await pilot.press("h", "e")
        await pilot.pause()
        token = session.token
    (path,) = (session.state_dir / "exports").iterdir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert leaks(text, token) == []
    entries = json.loads(text)["entries"]
    minted, refused = entries
    assert minted["request"]["body"]["client_secret"] == "••••••"
    assert minted["response"]["body"]["access_token"].endswith("…••••••")
    assert minted["token"]["claims"]["sub"] == "giftdeliveries@clients"  # readable claims
    assert refused["request"]["headers"]["Authorization"] == "Bearer ••••••"
    assert refused["response"]["status"] == 403
    assert "insufficient_scope" in refused["response"]["headers"]["www-authenticate"]
