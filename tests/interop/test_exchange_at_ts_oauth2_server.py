"""m2m-tui performs RFC 8693 token exchange at a server it did not write: ts-oauth2-server
(`@jmondi/oauth2-server`, npm), whose grant validates the subject token, issues for the
Routes API and names the acting client in `act`."""

from __future__ import annotations

import json

import httpx
import jwt

from oauth_primitives.token_exchange import GRANT_TYPE, TokenType, read_chain
from tests.conftest import WORLDMAPPERS, run_cli
from tests.interop.token_exchange_peer import ROUTES, WORLD_MAPPERS_SECRET


def gift_token(tmp_path, server) -> str:
    """Gift Deliveries' token, got by m2m-tui's client_credentials at the server."""
    (tmp_path / "config.toml").write_text(server.profiles())
    result = run_cli(tmp_path, "--profile", "gift", "token", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)["access_token"]


def exchange(server, subject: str, **params: str) -> httpx.Response:
    """World Mappers' API exchanging `subject` as a plain HTTP client would."""
    form = {
        "grant_type": GRANT_TYPE,
        "subject_token": subject,
        "subject_token_type": TokenType.ACCESS_TOKEN,
        "audience": ROUTES,
        **params,
    }
    return httpx.post(
        server.token_endpoint,
        data=form,
        auth=("world-mappers-api", WORLD_MAPPERS_SECRET),
        timeout=10,
    )


def test_the_server_announces_the_grant(exchange_server):
    metadata = httpx.get(exchange_server.issuer + "/.well-known/oauth-authorization-server")
    assert GRANT_TYPE in metadata.json()["grant_types_supported"]


def test_m2m_tuis_token_from_the_server_is_exchanged_for_the_routes_api(tmp_path, exchange_server):
    subject = gift_token(tmp_path, exchange_server)
    assert jwt.decode(subject, options={"verify_signature": False})["aud"] == WORLDMAPPERS

    answer = exchange(exchange_server, subject, scope="routes:read")
    assert answer.status_code == 200, answer.text
    claims = jwt.decode(answer.json()["access_token"], options={"verify_signature": False})
    assert claims["aud"] == ROUTES and claims["scope"] == "routes:read"
    assert claims["sub"] == "gift-deliveries"  # the subject's, from the library's `cid`
    assert read_chain(claims).actors == ("world-mappers-api",)
    # m2m-tui checks the exchanged token's signature against the server's JWKS.
    verified = run_cli(
        tmp_path, "--profile", "world-mappers", "verify", answer.json()["access_token"]
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "✓ signature" in verified.stdout


def test_the_servers_refusals(tmp_path, exchange_server):
    """RFC 8693 §2.2.2's errors, in the server's own words."""
    subject = gift_token(tmp_path, exchange_server)
    refusals = [
        (
            exchange(exchange_server, subject, audience="urn:elsewhere"),
            "invalid_target",
            "urn:elsewhere",
        ),
        # The subject token was issued `directions routes:read`: no widening.
        (
            exchange(exchange_server, subject, scope="geocode:location"),
            "invalid_scope",
            "does not carry",
        ),
        # The acting client holds no grant of `directions`, though the subject token does.
        (exchange(exchange_server, subject, scope="directions"), "invalid_scope", "holds no grant"),
        (exchange(exchange_server, subject[:-4] + "AAAA"), "invalid_request", "invalid signature"),
    ]
    for answer, error, words in refusals:
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == error
        assert words in answer.json()["error_description"]
