"""The API an inspected token is for, and its scopes (the Inspector's "Scopes against the
API"), through the real servers: a token exchanged for the Routes API is compared with the
Routes API's scopes, never World Mappers'; where they cannot be known, it is said."""

from __future__ import annotations

import jwt
import pytest
from rich.console import Console

from m2m_tui import views
from m2m_tui.tokens.decoded import decode, scopes_against
from tests.conftest import claims, repo_settings, signed, start_stack
from tests.helpers.sessions import make_session

ROUTES = "urn:worldmappers:routes"
ACTING = """issuer = "{issuer}"
client_id = "world-mappers-api"
client_secret = "world-mappers-api-local-secret"
audience = "urn:worldmappers:routes"
api_base_url = "{routes}\""""


@pytest.fixture(scope="module")
def routed(tmp_path_factory):
    running = start_stack(tmp_path_factory.mktemp("api"), repo_settings(directions_by="routes"))
    yield running
    running.thread.stop()


def shown(rows, against: str, compared: bool = True) -> str:
    console = Console(width=120, record=True, color_system=None)
    console.print(views.scopes_view(rows, 120, against, compared))
    return console.export_text()


async def test_an_exchanged_token_is_compared_with_the_acting_profiles_api(tmp_path, routed):
    acting = ACTING.format(issuer=routed.issuer, routes=routed.thread.prepared.routes_url)
    session = make_session(tmp_path, routed.issuer, routed.api_url, **{"world-mappers": acting})
    await session.load_api()
    own = await session.api_scopes(jwt.decode(routed.token(), options={"verify_signature": False}))
    assert own.own and "directions" in own.offered
    outcome = await session.exchanges.exchange("world-mappers")
    assert outcome.ok, outcome.description
    exchanged = decode(outcome.access_token)
    found = await session.api_scopes(exchanged.payload)
    assert found.offered == ["routes:read"] and not found.own
    assert found.api == f"{ROUTES} (profile world-mappers's API, openapi.json)"
    text = shown(scopes_against(exchanged, found.offered), found.api)
    assert f"Scopes against {ROUTES} (profile world-mappers's API" in text
    assert "✓ routes:read" in text and "✗" not in text


async def test_an_api_nobody_describes_is_named_and_not_compared(tmp_path, routed):
    session = make_session(tmp_path, routed.issuer, routed.api_url)
    await session.load_api()
    token = signed(routed, claims(routed, aud="urn:nowhere", scope="read:things"))
    found = await session.api_scopes(decode(token).payload)
    assert found.offered is None
    assert found.api.startswith("urn:nowhere: its scopes are not known here")
    assert "not urn:worldmappers's" in found.api
    text = shown(scopes_against(decode(token), []), found.api, compared=False)
    assert "Scopes the token holds  not compared: urn:nowhere" in text
    assert "• read:things" in text and "✗" not in text and "✓" not in text
