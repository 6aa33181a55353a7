"""The World Mappers API refuses every known bad-token trick, in RFC 6750 terms.

Every token here is real: signed by the bundled authority's own key, by another key,
or forged by hand the way an attacker would.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from api_server.jwks import public_jwk
from tests.conftest import ADMIN, WORLDMAPPERS, b64, claims, signed

DIRECTIONS = "/api/directions"


def refused(response: httpx.Response, status: int = 401, error: str = "invalid_token") -> str:
    assert response.status_code == status, response.text
    header = response.headers["www-authenticate"]
    assert header.startswith('Bearer realm="worldmappers"')
    assert f'error="{error}"' in header
    body = response.json()
    assert body["error"] == error and body["message"]
    if status == 401:
        assert 'resource_metadata="' in header and "/.well-known/oauth-protected-resource" in header
    return body["error_description"]


def call(stack, token: str) -> httpx.Response:
    return stack.call(DIRECTIONS, token, destination="Auth0 Office")


def test_the_success_path(shared_stack):
    response = call(shared_stack, shared_stack.token())
    assert response.status_code == 200
    steps = response.json()
    assert steps[0]["step"] == 1 and steps[-1]["action"].startswith("Arrive at Auth0 Office")


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_in_any_spelling(shared_stack, alg):
    body = claims(shared_stack)
    kid = shared_stack.authority.current_key.kid
    for token in (
        f"{b64({'alg': alg, 'kid': kid})}.{b64(body)}.",
        f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(body)}.",
    ):
        assert "alg is not allowed" in refused(call(shared_stack, token))


def test_hs256_keyed_with_the_public_key(shared_stack):
    key = shared_stack.authority.current_key
    pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{b64({'alg': 'HS256', 'kid': key.kid})}.{b64(claims(shared_stack))}"
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    assert "alg is not allowed" in refused(call(shared_stack, f"{signing_input}.{b64(mac)}"))


def test_signature_from_another_key_under_the_same_kid(shared_stack):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(
        claims(shared_stack),
        other,
        algorithm="RS256",
        headers={"kid": shared_stack.authority.current_key.kid},
    )
    assert "signature is invalid" in refused(call(shared_stack, token))


def test_tampered_payload_breaks_the_signature(shared_stack):
    header, _, signature = shared_stack.token().split(".")
    more = b64(claims(shared_stack, scope="directions geocode:location"))
    refused(call(shared_stack, f"{header}.{more}.{signature}"))
    # Swapping parts around is no better.
    refused(call(shared_stack, f"{more}.{header}.{signature}"))


class CountingHandler(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).hits += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"keys": []}')

    def log_message(self, *args):
        pass


def test_embedded_jwk_jku_and_x5u_are_never_trusted_or_fetched(shared_stack):
    bait = ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    threading.Thread(target=bait.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{bait.server_address[1]}/jwks.json"
    try:
        attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = public_jwk(attacker.public_key(), "evil", "RS256", None)
        body = claims(shared_stack)
        kid = shared_stack.authority.current_key.kid
        for headers in (
            {"kid": "evil", "jwk": jwk},
            {"kid": kid, "jwk": jwk},
            {"kid": "evil", "jku": url},
            {"kid": kid, "x5u": url},
            {"kid": kid, "jku": url, "x5u": url},
        ):
            token = jwt.encode(body, attacker, algorithm="RS256", headers=headers)
            refused(call(shared_stack, token))
        # Refused before any fetch: a fetch would have been answered before the refusal.
        assert CountingHandler.hits == 0
    finally:
        bait.shutdown()


@pytest.mark.parametrize(
    "kid", ["../../../../etc/passwd", "' OR '1'='1", "x; DROP TABLE keys", "%00", "a" * 300]
)
def test_hostile_kid_values(shared_stack, kid):
    key = shared_stack.authority.current_key
    token = key.sign(claims(shared_stack), {"kid": kid})
    description = refused(call(shared_stack, token))
    assert "kid" in description and kid not in description  # never echoes token content


def test_missing_kid(shared_stack):
    key = shared_stack.authority.current_key
    token = jwt.encode(claims(shared_stack), key.private_key, algorithm="RS256")
    assert "no kid" in refused(call(shared_stack, token))


def test_unknown_kid_flood_fetches_the_jwks_at_most_once_per_cooldown(stack, caplog):
    caplog.set_level(logging.INFO, logger="api_server.authority")
    assert call(stack, stack.token()).status_code == 200  # warm the cache
    before = sum("GET /.well-known/jwks.json" in r.getMessage() for r in caplog.records)
    key = stack.authority.current_key
    with httpx.Client() as client:
        for _ in range(200):
            token = key.sign(claims(stack), {"kid": secrets.token_urlsafe(8)})
            response = client.get(
                stack.api_url + DIRECTIONS,
                params={"destination": "Seattle"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 401
    after = sum("GET /.well-known/jwks.json" in r.getMessage() for r in caplog.records)
    assert after - before <= 1  # cooldown is 30 s; the whole flood takes far less


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"exp": None}, "no exp"),
        ({"exp": str(int(time.time()) + 600)}, "must be a number"),
        ({"exp": True}, "must be a number"),
        ({"nbf": int(time.time()) + 3600}, "not valid yet"),
        ({"iat": int(time.time()) + 3600}, "issued in the future"),
    ],
)
def test_time_claims(shared_stack, change, expected):
    assert expected in refused(
        call(shared_stack, signed(shared_stack, claims(shared_stack, **change)))
    )


def test_clock_tolerance_of_five_seconds(shared_stack):
    just_expired = claims(shared_stack, exp=int(time.time()) - 2)
    assert call(shared_stack, signed(shared_stack, just_expired)).status_code == 200


def test_issuer_must_match_exactly(shared_stack):
    no_slash = claims(shared_stack, iss=shared_stack.issuer.rstrip("/"))
    assert "trailing slash" in refused(call(shared_stack, signed(shared_stack, no_slash)))
    other = claims(shared_stack, iss="https://evil.example/")
    assert "expected " + shared_stack.issuer in refused(
        call(shared_stack, signed(shared_stack, other))
    )


def test_audience_string_or_array(shared_stack):
    as_list = claims(shared_stack, aud=["urn:other", WORLDMAPPERS])
    assert call(shared_stack, signed(shared_stack, as_list)).status_code == 200
    wrong = claims(shared_stack, aud="urn:other")
    assert "aud" in refused(call(shared_stack, signed(shared_stack, wrong)))


def test_a_management_api_token_is_refused(shared_stack):
    token = shared_stack.token(ADMIN, shared_stack.issuer + "api/v2/")
    assert "expected urn:worldmappers" in refused(call(shared_stack, token))


def test_crit_is_rejected(shared_stack):
    token = signed(shared_stack, claims(shared_stack), crit=["exp"])
    assert "crit" in refused(call(shared_stack, token))


def test_oversized_token_is_rejected(shared_stack):
    token = signed(shared_stack, claims(shared_stack, padding="x" * 9000))
    assert "8 KiB" in refused(call(shared_stack, token))


@pytest.mark.parametrize(
    "token",
    [
        "abc.def",
        "a.b.c.d",
        "a.b.c.d.e",
        "!!!.@@@.###",
        b64(b"not json") + "." + b64({"a": 1}) + ".sig",
        b64(b"\xff\xfe\xfd") + "." + b64({"a": 1}) + ".sig",
        b64(b"[1,2]") + "." + b64({"a": 1}) + ".sig",
        "Zm9v.YmFy",
    ],
)
def test_malformed_tokens(shared_stack, token):
    refused(call(shared_stack, token))


def test_malformed_payload_behind_a_valid_signature(shared_stack):
    key = shared_stack.authority.current_key
    header = b64({"alg": "RS256", "kid": key.kid})
    for payload in (b64(b"\xff\xfe"), b64(b"[]"), b64(b"{bad")):
        signing_input = f"{header}.{payload}".encode()
        sig = jwt.get_algorithm_by_name("RS256").sign(signing_input, key.private_key)
        assert "payload" in refused(call(shared_stack, f"{header}.{payload}.{b64(sig)}"))


@pytest.mark.parametrize(
    "scope",
    [
        "directionsX",
        "Directions",
        "DIRECTIONS",
        "direction",
        "xdirections",
        "directions:all",
        "geocode:location",
        "",
    ],
)
def test_scope_tricks_never_match(shared_stack, scope):
    token = signed(shared_stack, claims(shared_stack, scope=scope))
    response = call(shared_stack, token)
    refused(response, 403, "insufficient_scope")
    assert 'scope="directions"' in response.headers["www-authenticate"]


@pytest.mark.parametrize("scope", [["directions"], {"directions": True}, 1])
def test_non_string_scope_grants_nothing(shared_stack, scope):
    token = signed(shared_stack, claims(shared_stack, scope=scope))
    refused(call(shared_stack, token), 403, "insufficient_scope")


def test_scope_is_split_on_spaces(shared_stack):
    token = signed(shared_stack, claims(shared_stack, scope="geocode:location directions"))
    assert call(shared_stack, token).status_code == 200


def test_no_token_or_another_scheme_is_401_without_error_code(shared_stack):
    for headers in ({}, {"Authorization": "Basic Zm9vOmJhcg=="}, {"Authorization": "Bearer"}):
        response = httpx.get(
            shared_stack.api_url + DIRECTIONS, headers=headers, params={"destination": "Seattle"}
        )
        assert response.status_code == 401
        header = response.headers["www-authenticate"]
        assert header.startswith('Bearer realm="worldmappers"') and "error=" not in header
        assert "resource_metadata=" in header
        assert response.json()["message"]


def test_scheme_is_case_insensitive_and_query_token_works(shared_stack):
    token = shared_stack.token()
    for scheme in ("bearer", "BEARER", "BeArEr"):
        response = httpx.get(
            shared_stack.api_url + DIRECTIONS,
            params={"destination": "Seattle"},
            headers={"Authorization": f"{scheme} {token}"},
        )
        assert response.status_code == 200
    query = httpx.get(
        shared_stack.api_url + DIRECTIONS, params={"destination": "Seattle", "access_token": token}
    )
    assert query.status_code == 200


def test_token_sent_two_ways_is_invalid_request(shared_stack):
    token = shared_stack.token()
    response = httpx.get(
        shared_stack.api_url + DIRECTIONS,
        params={"destination": "Seattle", "access_token": token},
        headers={"Authorization": f"Bearer {token}"},
    )
    refused(response, 400, "invalid_request")


def test_a_dpop_header_with_a_query_token_is_invalid_request(shared_stack):
    token = shared_stack.token()
    response = httpx.get(
        shared_stack.api_url + DIRECTIONS,
        params={"destination": "Seattle", "access_token": token},
        headers={"Authorization": f"DPoP {token}"},
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert "more than one method" in response.json()["error_description"]


def test_another_scheme_or_an_empty_bearer_leaves_the_query_token(shared_stack):
    # Only a Bearer or DPoP header with credentials carries a token (RFC 6750 §2.1): a
    # Basic header, or "Bearer" and nothing, is no second method beside the query's.
    token = shared_stack.token()
    for header in ("Basic Zm9vOmJhcg==", "Bearer", "DPoP"):
        response = httpx.get(
            shared_stack.api_url + DIRECTIONS,
            params={"destination": "Seattle", "access_token": token},
            headers={"Authorization": header},
        )
        assert response.status_code == 200, (header, response.text)


def test_the_first_authorization_header_is_the_one_read(shared_stack):
    token = shared_stack.token()
    headers = [("Authorization", f"Bearer {token}"), ("Authorization", "Bearer not-a-token")]
    first = httpx.get(shared_stack.api_url + DIRECTIONS, params={"destination": "Seattle"},
                      headers=headers)  # fmt: skip
    assert first.status_code == 200, first.text
    second = httpx.get(shared_stack.api_url + DIRECTIONS, params={"destination": "Seattle"},
                       headers=headers[::-1])  # fmt: skip
    assert second.status_code == 401


def test_strict_rfc9068_mode(tmp_path):
    from dataclasses import replace

    from tests.conftest import repo_settings, start_stack

    settings = repo_settings()
    strict = start_stack(
        tmp_path / "s", replace(settings, api=replace(settings.api, strict_rfc9068=True))
    )
    try:
        plain = strict.token()  # typ JWT, azp: refused
        assert "at+jwt" in refused(call(strict, plain))
        admin = strict.admin()
        rs = admin.get("/resource-servers/urn:worldmappers").json()
        admin.patch(f"/resource-servers/{rs['id']}", json={"token_dialect": "rfc9068_profile"})
        assert call(strict, strict.token()).status_code == 200
    finally:
        strict.thread.stop()


def test_debug_log_names_the_caller_never_the_token(shared_stack, caplog):
    caplog.set_level(logging.DEBUG, logger="api_server.api")
    token = shared_stack.token()
    assert call(shared_stack, token).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "api_server.api"]
    assert "caller sub=giftdeliveries@clients scope=directions" in lines
    assert all(token not in line and token.split(".")[2] not in line for line in lines)
