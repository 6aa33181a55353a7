"""A session on a profile that points at a stack running in the test."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from m2m_tui.config.file import load_config
from m2m_tui.session.session import Session


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
def session(tmp_path, shared_stack) -> Session:
    """A session on this worker's shared servers, for tests that leave the tenant as it
    was (tokens and calls change nothing in it). A module whose tests change grants,
    clients or keys overrides this fixture with `fresh_session`'s body."""
    return make_session(tmp_path, shared_stack.issuer, shared_stack.api_url)


@pytest.fixture
def fresh_session(tmp_path, stack) -> Session:
    """A session on servers of its own: the test may change the tenant."""
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


def notes(app) -> str:
    """Every notification the app showed, as one string."""
    return " ".join(str(n.message) for n in app._notifications)


def text_of(widget) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=200, record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


class SlowApi:
    """The running API behind a delay: every /api/ call waits `delay` seconds before it is
    forwarded (discovery and the OpenAPI document answer at once). For work in flight:
    what the screen shows meanwhile, and what Escape does to it."""

    def __init__(self, target: str, delay: float) -> None:
        import asyncio

        import httpx
        from starlette.applications import Starlette
        from starlette.responses import Response
        from starlette.routing import Route

        from tests.conftest import _trust, serve_app

        self.delay = delay
        self.answered = 0  # calls the API itself answered

        async def forward(request):
            if request.url.path.startswith("/api/"):
                await asyncio.sleep(self.delay)
            headers = {
                k: v for k, v in request.headers.items() if k.lower() in ("authorization", "dpop")
            }
            # A client per request: its loop is the server thread's, and making one
            # costs little once the CAs are loaded (_trust).
            async with httpx.AsyncClient(verify=_trust()) as client:
                answer = await client.request(
                    request.method,
                    target.rstrip("/") + request.url.path,
                    params=request.query_params,
                    headers=headers,
                )
            if request.url.path.startswith("/api/"):
                self.answered += 1
            kept = ("content-type", "www-authenticate")
            return Response(
                answer.content,
                status_code=answer.status_code,
                headers={k: v for k, v in answer.headers.items() if k.lower() in kept},
            )

        app = Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "POST"])])
        url, self.thread = serve_app(app)
        self.url = url.rstrip("/")


@pytest.fixture
def slow_api(stack):
    api = SlowApi(stack.api_url, delay=3.0)
    yield api
    api.thread.stop()
