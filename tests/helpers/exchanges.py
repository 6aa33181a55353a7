"""Token exchange requests at a bundled authority, for the tests that send them."""

from __future__ import annotations

import jwt

from oauth_primitives.token_exchange import GRANT_TYPE, TokenType
from tests.conftest import _http

WMAPI = ("world-mappers-api", "world-mappers-api-local-secret")
ROUTES = "urn:worldmappers:routes"
ACCESS = TokenType.ACCESS_TOKEN.value


def exchange(stack, subject_token: str | None, client=WMAPI, **extra):
    body = {
        "grant_type": GRANT_TYPE,
        "client_id": client[0],
        "client_secret": client[1],
        "subject_token_type": ACCESS,
        "audience": ROUTES,
        **extra,
    }
    if subject_token is not None:
        body["subject_token"] = subject_token
    return _http().post(stack.token_url, data={k: v for k, v in body.items() if v is not None})


def issued(response) -> dict:
    assert response.status_code == 200, response.text
    return jwt.decode(response.json()["access_token"], options={"verify_signature": False})


def trust(stack, entry: dict) -> None:
    profiles = stack.authority.tenant.exchange_profiles
    profile = profiles.for_client(WMAPI[0], ACCESS)[0]
    profile.trusted_issuers = [entry]
    profiles.update(profile)
