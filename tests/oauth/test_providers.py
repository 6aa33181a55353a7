"""Each provider's request shape, sent to a local stand-in for its token endpoint that
checks the client's credentials as a real one does."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from m2m_tui.config.profile import Profile
from m2m_tui.session.session import Session
from tests.conftest import serve_app
from tests.helpers.sessions import make_session


@pytest.fixture(scope="module")
def fake_provider():
    seen: list[dict] = []

    async def discovery(request: Request):
        base = str(request.base_url)
        return JSONResponse({"issuer": base, "token_endpoint": base + "protocol/token"})

    async def token(request: Request):
        form = dict(parse_qsl((await request.body()).decode()))
        seen.append({"path": request.url.path, **form})
        if (form.get("client_id"), form.get("client_secret")) != ("robot", "s"):
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Unknown client or wrong secret"},
                status_code=401,
            )
        return JSONResponse(
            {"access_token": "opaque-but-fine", "token_type": "Bearer", "expires_in": 300}
        )

    app = Starlette(
        routes=[
            Route("/.well-known/openid-configuration", discovery),
            Route("/protocol/token", token, methods=["POST"]),
            Route("/oauth/token", token, methods=["POST"]),
        ]
    )
    url, thread = serve_app(app)
    yield url, seen
    thread.stop()


CASES = {
    "auth0": (
        {"audience": "urn:worldmappers"},
        {"path": "/oauth/token", "audience": "urn:worldmappers"},
    ),
    "generic": ({"scope": "worldmappers"}, {"path": "/protocol/token", "scope": "worldmappers"}),
    "okta": (
        {"scope": "worldmappers.read"},
        {"path": "/protocol/token", "scope": "worldmappers.read"},
    ),
    "keycloak": ({}, {"path": "/protocol/token"}),
    "entra": ({"resource": "api://wm"}, {"path": "/protocol/token", "scope": "api://wm/.default"}),
    "resource": (
        {"resource": "https://api.example/"},
        {"path": "/protocol/token", "resource": "https://api.example/"},
    ),
    # A generic provider given an audience passes it on (some servers use it).
    "audience": (
        {"audience": "urn:worldmappers"},
        {"path": "/protocol/token", "audience": "urn:worldmappers"},
    ),
}


@pytest.mark.parametrize("kind", CASES)
async def test_request_shape(tmp_path, fake_provider, kind):
    url, seen = fake_provider
    fields, expected = CASES[kind]
    provider = "generic" if kind in ("resource", "audience") else kind
    session: Session = make_session(tmp_path, url, None)
    session.use(
        Profile(
            name=kind, issuer=url, client_id="robot", client_secret="s", provider=provider, **fields
        )
    )
    outcome = await session.get_token(force=True)
    assert outcome.ok, outcome.description
    sent = dict(seen[-1])
    credentials = {k: sent.pop(k) for k in ("grant_type", "client_id", "client_secret")}
    assert credentials == {
        "grant_type": "client_credentials",
        "client_id": "robot",
        "client_secret": "s",
    }
    # Exactly the provider's fields, nothing more: no audience where none was named,
    # no resource for Entra (it takes scope=<resource>/.default instead).
    assert sent == expected


async def test_a_wrong_secret_is_refused_and_said(tmp_path, fake_provider):
    url, _ = fake_provider
    session = make_session(tmp_path, url, None)
    session.use(
        Profile(name="g", issuer=url, client_id="robot", client_secret="wrong", provider="generic")
    )
    outcome = await session.get_token(force=True)
    assert not outcome.ok and outcome.error == "invalid_client"
    assert "wrong secret" in outcome.description


async def test_okta_without_scope_is_a_configuration_message(tmp_path, fake_provider):
    url, _ = fake_provider
    session = make_session(tmp_path, url, None)
    session.use(Profile(name="o", issuer=url, client_id="r", client_secret="s", provider="okta"))
    outcome = await session.get_token(force=True)
    assert outcome.error == "configuration" and "require `scope`" in outcome.description
