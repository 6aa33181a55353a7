"""Token requests against servers that misbehave: a clear outcome, never an exception."""

from __future__ import annotations

import pytest

from m2m_tui.config.profile import Profile
from m2m_tui.oauth.token_request import TokenRequest, request_token
from tests.helpers.misbehaving import MisbehavingServer, timeout_for

EXPECTED = {
    "slow": ("timeout", "did not answer within 1 s"),
    "html": ("not_json", "HTTP 502: the server answered text/html, not JSON"),
    "500": ("server_error", "HTTP 500"),
    "truncated": ("not_json", "not JSON"),
    "xml": ("not_json", "application/xml, not JSON"),
    "loop": ("redirect", "redirects to"),
}


def profile(issuer: str, **changes) -> Profile:
    return Profile(
        name="t",
        issuer=issuer,
        client_id="giftdeliveries",
        client_secret="giftdeliveries-local-secret",
        audience="urn:worldmappers",
        **changes,
    )


@pytest.mark.parametrize("case", MisbehavingServer.CASES)
async def test_misbehaving_token_endpoint(misbehaving, case):
    request = TokenRequest.for_profile(
        profile(f"{misbehaving.url}{case}/"), "giftdeliveries-local-secret"
    )
    outcome = await request_token(request, timeout=timeout_for(case))
    # The slow case: the client's 1 s timeout ended the wait, not the server's answer at 5 s.
    error, words = EXPECTED[case]
    assert not outcome.ok and outcome.error == error
    assert words in outcome.description and outcome.hint


async def test_server_down():
    outcome = await request_token(TokenRequest.for_profile(profile("http://127.0.0.1:9/"), "x"))
    assert outcome.error == "network" and "cannot connect" in outcome.description
    assert "Is the authorization server running?" in outcome.hint


async def test_untrusted_tls_certificate_then_trusted_as_the_hint_says(tmp_path, monkeypatch):
    from tests.conftest import start_stack

    stack = start_stack(tmp_path / "tls", tls=True)
    secret = "giftdeliveries-local-secret"
    try:
        outcome = await request_token(TokenRequest.for_profile(profile(stack.issuer), secret))
        assert outcome.error == "tls" and "TLS error" in outcome.description
        assert "SSL_CERT_FILE" in outcome.hint and "ca.pem" in outcome.hint
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "tls" / "tls" / "ca.pem"))
        trusted = await request_token(TokenRequest.for_profile(profile(stack.issuer), secret))
        assert trusted.ok, trusted.description
    finally:
        stack.thread.stop()


async def test_success_and_the_secret_is_masked(shared_stack):
    request = TokenRequest.for_profile(profile(shared_stack.issuer), "giftdeliveries-local-secret")
    outcome = await request_token(request)
    assert outcome.ok and outcome.exchange.status == 200
    assert outcome.exchange.request_body["client_secret"] == "••••••"
    assert request.form["client_secret"] == "giftdeliveries-local-secret"


async def test_basic_auth_is_masked_in_the_exchange(shared_stack):
    request = TokenRequest.for_profile(
        profile(shared_stack.issuer, auth_method="client_secret_basic"),
        "giftdeliveries-local-secret",
    )
    outcome = await request_token(request)
    assert outcome.ok
    assert outcome.exchange.request_headers["Authorization"] == "Basic ••••••"
    assert "client_secret" not in outcome.exchange.request_body


async def test_the_misbehaving_servers_working_endpoint_refuses_a_wrong_secret(misbehaving):
    # Its one working token endpoint is as strict as a real one on what the tests use.
    request = TokenRequest.for_profile(profile(f"{misbehaving.url}ok/"), "wrong")
    outcome = await request_token(request)
    assert not outcome.ok and outcome.error == "invalid_client"
    good = TokenRequest.for_profile(profile(f"{misbehaving.url}ok/"), "giftdeliveries-local-secret")
    assert (await request_token(good)).access_token == "opaque-test-token"


def test_a_client_secret_jwt_request_carries_an_hs256_assertion_not_the_secret():
    """OpenID Connect Core §9 / RFC 7523 §2.2: iss and sub the client id, aud the
    endpoint, a short life and a fresh jti, signed with the secret's octets."""
    import jwt

    secret = "a-signing-secret-of-at-least-thirty-two-bytes"
    hmac = profile("https://tenant.example/", auth_method="client_secret_jwt")
    request = TokenRequest.for_profile(hmac, secret)
    form = request.form
    assert "client_secret" not in form and "Authorization" not in request.headers
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert jwt.get_unverified_header(form["client_assertion"])["alg"] == "HS256"
    claims = jwt.decode(
        form["client_assertion"],
        secret.encode(),
        algorithms=["HS256"],
        audience="https://tenant.example/oauth/token",
    )
    assert claims["iss"] == claims["sub"] == "giftdeliveries"
    assert 0 < claims["exp"] - claims["iat"] <= 300 and claims["jti"]
    again = TokenRequest.for_profile(hmac, secret).form["client_assertion"]
    assert jwt.decode(again, options={"verify_signature": False})["jti"] != claims["jti"]
    assert request.masked_exchange().request_body["client_assertion"] != form["client_assertion"]
    with pytest.raises(ValueError, match="uses client_secret_jwt but has no secret"):
        TokenRequest.for_profile(hmac, None)
