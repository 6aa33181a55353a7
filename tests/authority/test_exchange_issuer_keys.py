"""A trusted issuer's jwks_uri, fetched by the authority inside an exchange: a document of
the wrong shape, a trickle, an oversized answer are each a refused subject token with
words (never a 500, never a held request); keys are kept for their max-age; and the
Management API takes a jwks_uri over https, or plain http on loopback only."""

from __future__ import annotations

import asyncio
import time

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from api_server.authority import issuer_keys
from tests.conftest import serve_app
from tests.helpers.exchanges import exchange, issued
from tests.helpers.exchanges import trust as _trust


@pytest.fixture
def keys_server(fake_issuer):
    """JWKS documents that misbehave, each at its path; `fetches` counts the good one's."""
    server = {"fetches": 0}

    async def good(request):
        server["fetches"] += 1
        return JSONResponse(fake_issuer.jwks, headers={"Cache-Control": "max-age=60"})

    async def array(request):
        return JSONResponse([fake_issuer.jwks])

    async def huge(request):
        return Response(b"{" + b" " * (100 * 1024) + b"}", media_type="application/json")

    async def trickle(request):
        async def drip():
            for _ in range(400):  # 40 s, a byte every 0.1 s, if nobody lets go
                yield b" "
                await asyncio.sleep(0.1)

        return StreamingResponse(drip(), media_type="application/json")

    app = Starlette(routes=[Route(f"/{f.__name__}", f) for f in (good, array, huge, trickle)])
    server["url"], thread = serve_app(app)
    yield server
    thread.stop()


def _subject(fake_issuer) -> str:
    return fake_issuer.sign(fake_issuer.claims(sub="robot", scope="directions"))


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("array", "is not a JWKS (a JSON object with a keys array)"),
        ("huge", "answered more than 64 KiB"),
    ],
)
def test_a_bad_jwks_refuses_the_subject_token_in_words(stack, fake_issuer, keys_server, path, said):
    _trust(stack, {"issuer": fake_issuer.issuer, "jwks_uri": keys_server["url"] + path})
    response = exchange(stack, _subject(fake_issuer))
    body = response.json()
    assert (response.status_code, body["rule"]) == (400, "subject_token_invalid"), body
    assert said in body["error_description"]
    assert fake_issuer.issuer in body["error_description"]


def test_a_trickling_jwks_uri_holds_the_exchange_no_longer_than_the_deadline(
    stack, fake_issuer, keys_server, monkeypatch
):
    monkeypatch.setattr(issuer_keys, "DEADLINE", 1.0)
    _trust(stack, {"issuer": fake_issuer.issuer, "jwks_uri": keys_server["url"] + "trickle"})
    started = time.monotonic()
    body = exchange(stack, _subject(fake_issuer)).json()
    assert time.monotonic() - started < 5
    assert body["rule"] == "subject_token_invalid"
    assert "did not answer within 1 s" in body["error_description"]


def test_fetched_keys_are_kept_for_their_max_age(stack, fake_issuer, keys_server):
    _trust(stack, {"issuer": fake_issuer.issuer, "jwks_uri": keys_server["url"] + "good"})
    now = [time.time()]
    stack.authority.issuer_keys.clock = lambda: now[0]
    issued(exchange(stack, _subject(fake_issuer)))
    issued(exchange(stack, _subject(fake_issuer)))
    assert keys_server["fetches"] == 1
    now[0] += 61  # past max-age=60
    issued(exchange(stack, _subject(fake_issuer)))
    assert keys_server["fetches"] == 2


def test_the_management_api_takes_https_or_loopback_jwks_uris(stack):
    def create(uri: str, name: str = "Partner tokens"):
        body = {
            "name": name,
            "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "trusted_issuers": [{"issuer": "https://partner.example/", "jwks_uri": uri}],
        }
        with stack.admin() as admin:
            return admin.post("/token-exchange-profiles", json=body)

    refused = create("http://partner.example/jwks")
    assert refused.status_code == 400
    assert "must be https (plain http only on a loopback host)" in refused.json()["message"]
    assert create("https://partner.example/jwks").status_code == 201
    assert create("http://127.0.0.1:9/jwks", "Local tokens").status_code == 201
