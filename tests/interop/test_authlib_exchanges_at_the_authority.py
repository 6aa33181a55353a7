"""A client m2m-tui did not write performs RFC 8693 token exchange at the bundled
authority: Authlib's `AsyncOAuth2Client.fetch_token` with the token exchange grant, as
World Mappers' API would, acting as `world-mappers-api` on Gift Deliveries' token; the
Routes API then serves the token it was given."""

from __future__ import annotations

import asyncio
import tomllib
import warnings

import httpx
import jwt
import pytest

from oauth_primitives.token_exchange import GRANT_TYPE, TokenType, client_subject, read_chain
from tests.conftest import GIFT, REPO_CONFIG, WORLDMAPPERS

ROUTES = "urn:worldmappers:routes"
ACTING = "world-mappers-api"


def acting_secret() -> str:
    """World Mappers' own client's secret, as the seed in config.toml publishes it."""
    seeded = tomllib.loads(REPO_CONFIG.read_text())["server"]["clients"]
    return next(c["client_secret"] for c in seeded if c["client_id"] == ACTING)


def authlib_client():
    from authlib.deprecate import AuthlibDeprecationWarning

    # Authlib 1.9 warns that it will move from httpx to httpx2: the client is tested as
    # it is installed today, with httpx.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AuthlibDeprecationWarning)
        from authlib.integrations.httpx_client import AsyncOAuth2Client

    return AsyncOAuth2Client(
        client_id=ACTING,
        client_secret=acting_secret(),
        token_endpoint_auth_method="client_secret_post",
        timeout=30,
    )


async def fetch(stack, subject: str, **params: str) -> dict:
    async with authlib_client() as client:
        return await client.fetch_token(
            stack.token_url,
            grant_type=GRANT_TYPE,
            subject_token=subject,
            subject_token_type=TokenType.ACCESS_TOKEN,
            **params,
        )


def verified(stack, token: str, audience: str) -> dict:
    """The token's claims, its signature checked against the authority's JWKS."""
    keys = jwt.PyJWKSet.from_dict(httpx.get(stack.issuer + ".well-known/jwks.json").json())
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    return jwt.decode(token, key, algorithms=["RS256"], audience=audience, issuer=stack.issuer)


def test_authlib_exchanges_gift_deliveries_token_for_the_routes_api(stack):
    subject = stack.token(scope="directions")
    answer = asyncio.run(fetch(stack, subject, audience=ROUTES, scope="routes:read"))

    assert answer["issued_token_type"] == TokenType.ACCESS_TOKEN
    assert answer["token_type"] == "Bearer" and answer["scope"] == "routes:read"
    claims = verified(stack, answer["access_token"], ROUTES)
    assert claims["sub"] == client_subject(GIFT[0])  # on Gift Deliveries' behalf
    assert claims["act"] == {"sub": client_subject(ACTING)}
    assert read_chain(claims).actors == (client_subject(ACTING),)
    assert claims["scope"] == "routes:read"
    assert claims["exp"] <= jwt.decode(subject, options={"verify_signature": False})["exp"]

    # The Routes API, which takes only delegated tokens, serves the exchanged one.
    route = httpx.get(
        stack.thread.prepared.routes_url + "/api/routes",
        params={"from": "Seattle", "to": "Auth0 Office"},
        headers={"Authorization": f"Bearer {answer['access_token']}"},
    )
    assert route.status_code == 200, route.text
    assert route.json()["on_behalf_of"] == client_subject(GIFT[0])
    assert route.json()["actors"] == [client_subject(ACTING)]
    assert route.json()["steps"]


def test_authlib_reads_the_authoritys_refusals(stack):
    """RFC 8693 §2.2.2's errors reach a standard client as an OAuth error it raises."""
    from authlib.integrations.base_client.errors import OAuthError

    subject = stack.token(scope="directions")
    cases = [
        ({"audience": WORLDMAPPERS}, "invalid_target"),  # no profile lets it exchange for it
        ({"audience": ROUTES, "scope": "routes:write"}, "invalid_scope"),
        ({"audience": ROUTES, "subject_token": subject[:-4] + "AAAA"}, "invalid_request"),
    ]
    for params, error in cases:
        token = params.pop("subject_token", subject)
        with pytest.raises(OAuthError) as refused:
            asyncio.run(fetch(stack, token, **params))
        assert refused.value.error == error, refused.value.description
