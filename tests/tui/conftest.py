"""A session on a profile that points at a stack running in the test."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from m2m_tui.config import load_config
from m2m_tui.session import Session


def write_config(path: Path, issuer: str, api_url: str | None, **extra: str) -> Path:
    lines = [
        'default_profile = "gift"',
        "",
        "[profiles.gift]",
        f'issuer = "{issuer}"',
        'client_id = "giftdeliveries"',
        'client_secret = "giftdeliveries-local-secret"',
        'audience = "urn:worldmappers"',
    ]
    if api_url:
        lines.append(f'api_base_url = "{api_url}"')
    lines += [
        "",
        "[profiles.admin]",
        f'issuer = "{issuer}"',
        'client_id = "m2m-admin"',
        'client_secret = "m2m-admin-local-secret"',
        f'audience = "{issuer}api/v2/"',
    ]
    for name, body in extra.items():
        lines += ["", f"[profiles.{name}]", body]
    path.write_text("\n".join(lines) + "\n")
    return path


def make_session(tmp_path: Path, issuer: str, api_url: str | None, **extra: str) -> Session:
    config = load_config(write_config(tmp_path / "config.toml", issuer, api_url, **extra))
    return Session.open(config, tmp_path / "client-state")


@pytest.fixture
def session(tmp_path, stack) -> Session:
    return make_session(tmp_path, stack.issuer, stack.api_url)


async def settle(pilot) -> None:
    """Let queued messages start their workers, wait for the workers, then repaint."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def paste(pilot, text: str) -> None:
    """Put `text` in the inspector's box and press Enter, as a user pasting a token."""
    from textual.widgets import Input

    box = pilot.app.query_one("#paste", Input)
    box.focus()
    box.value = text
    await pilot.press("enter")
    await settle(pilot)


def text_of(widget) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=200, record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()
