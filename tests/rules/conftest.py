"""An issuer of generated tokens (its discovery and a JWKS with a key of every kind),
and bundled APIs trusting it under four policies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from api_server.settings import ServerSettings
from m2m_tui.diagnosis.check import Expectations
from oauth_primitives.rules.closed_sets import ASYMMETRIC
from tests.conftest import WORLDMAPPERS, repo_settings, serve_app, start_stack
from tests.rules.generator import Keys


@dataclass
class GeneratedIssuer:
    url: str
    keys: Keys


@pytest.fixture(scope="module")
def issuer() -> Iterator[GeneratedIssuer]:
    keys = Keys()
    where: dict[str, str] = {}

    async def discovery(request):
        return JSONResponse({"issuer": where["url"], "jwks_uri": where["url"] + "jwks"})

    async def jwks(request):
        return JSONResponse(keys.jwks)

    app = Starlette(
        routes=[
            Route("/.well-known/openid-configuration", discovery),
            Route("/jwks", jwks),
        ]
    )
    url, thread = serve_app(app)
    where["url"] = url
    yield GeneratedIssuer(url, keys)
    thread.stop()


# The bundled API's policies the generator meets: as shipped (RS256 only), open (every
# asymmetric algorithm, so that every key rule is reached), strict (RFC 9068), one that
# requires a claim (as a credentials-exchange Action adds it), and one with a leeway
# other than the 5 s the diagnosis assumes.
POLICIES = {
    "shipped": {},
    "open": {"algorithms": ASYMMETRIC},
    "strict": {"algorithms": ("RS256", "ES256"), "strict_rfc9068": True},
    # A claim a credentials-exchange Action adds (serve --require-claim).
    "claims": {"required_claims": ("https://worldmappers.example/tier=gold",)},
    # A clock leeway of 120 s ([server.api] leeway), where the diagnosis assumes 5 s:
    # what it knows of it, it learns from the API's answers.
    "leeway": {"leeway": 120.0},
}


@dataclass
class Api:
    url: str
    expect: Expectations  # what the diagnosis reads of it, as `diagnose` reads it


@pytest.fixture(scope="module")
def apis(issuer, tmp_path_factory) -> Iterator[dict[str, Api]]:
    settings: ServerSettings = repo_settings()
    running, started = {}, []
    for name, changes in POLICIES.items():
        api_settings = replace(settings.api, **changes)
        stack = start_stack(
            tmp_path_factory.mktemp(name),
            replace(settings, api=api_settings),
            only="api",
            issuer=issuer.url,
        )
        started.append(stack)
        meta = httpx.get(stack.api_url + "/.well-known/oauth-protected-resource").json()
        expect = Expectations.from_metadata(meta, None, None, "directions")
        assert expect.audience == WORLDMAPPERS and expect.issuer == issuer.url
        running[name] = Api(stack.api_url, expect)
    yield running
    for stack in started:
        stack.thread.stop()


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """One client for thousands of calls: a new one per call costs more than the call."""
    with httpx.Client(timeout=30) as c:
        yield c
