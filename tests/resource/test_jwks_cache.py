"""The API against a second, independent issuer: discovery, caching, outages, garbage."""

from __future__ import annotations

import base64
from dataclasses import replace

import httpx
import pytest

from oauth_primitives.rules.findings import Code
from tests.conftest import repo_settings, start_stack
from tests.helpers.waiting import wait_until


def api_for(tmp_path, issuer: str, **api_changes):
    settings = repo_settings()
    api = replace(settings.api, algorithms=("RS256", "ES256"), **api_changes)
    return start_stack(tmp_path / "api", replace(settings, api=api), only="api", issuer=issuer)


@pytest.fixture
def api(tmp_path, fake_issuer):
    running = api_for(
        tmp_path,
        fake_issuer.issuer,
        jwks_cooldown_seconds=0.5,
        fetch_timeout=1.0,
        jwks_cache_seconds=0.5,
    )
    yield running
    running.thread.stop()


def call(api, token: str) -> httpx.Response:
    return api.call("/api/directions", token, destination="Auth0 Office")


def test_accepts_tokens_from_a_second_issuer_rsa_and_ec(api, fake_issuer):
    assert call(api, fake_issuer.sign(fake_issuer.claims())).status_code == 200
    ec_token = fake_issuer.sign(fake_issuer.claims(), kid="fake-ec", alg="ES256")
    assert call(api, ec_token).status_code == 200


def test_es256_signature_with_r_and_s_zero_is_rejected(api, fake_issuer):
    header, payload, _ = fake_issuer.sign(fake_issuer.claims(), kid="fake-ec", alg="ES256").split(
        "."
    )
    zero = base64.urlsafe_b64encode(bytes(64)).rstrip(b"=").decode()
    response = call(api, f"{header}.{payload}.{zero}")
    assert response.status_code == 401
    assert response.json()["rule"] == Code.SIGNATURE_INVALID, response.json()


def test_alg_must_fit_the_key_the_kid_selects(api, fake_issuer):
    # An RS256 header pointing at the EC key.
    token = fake_issuer.sign(fake_issuer.claims(), kid="fake-ec", alg="ES256")
    header, payload, sig = token.split(".")
    forged = base64.urlsafe_b64encode(b'{"alg":"RS256","kid":"fake-ec"}').rstrip(b"=").decode()
    response = call(api, f"{forged}.{payload}.{sig}")
    assert response.status_code == 401
    assert response.json()["rule"] == Code.KEY_TYPE_MISMATCH, response.json()


def later(api, seconds: float) -> None:
    """The API's JWKS cache lives `seconds` on: its ages count from a moved clock."""
    cache = api.api_state.jwks
    now = cache.clock()
    cache.clock = lambda: now + seconds


def test_issuer_down_cached_keys_keep_working(api, fake_issuer):
    token = fake_issuer.sign(fake_issuer.claims())
    assert call(api, token).status_code == 200
    fake_issuer.thread.stop()
    later(api, 0.6)  # past the cache lifetime: a refresh is due and fails
    for _ in range(5):
        assert call(api, token).status_code == 200
    wait_until(lambda: api.api_state.jwks.last_error, "the failed refresh")
    # A new kid cannot be learned while the issuer is down: refused, not a 5xx.
    later(api, 2)  # past the cooldown: the API asks the issuer again, and cannot reach it
    response = call(api, fake_issuer.sign(fake_issuer.claims(), kid="rotated-in"))
    assert response.status_code == 401
    assert "cannot fetch the issuer's JWKS" in api.api_state.jwks.last_error


def test_garbage_jwks_keeps_the_last_good_keys(api, fake_issuer):
    token = fake_issuer.sign(fake_issuer.claims())
    assert call(api, token).status_code == 200
    fake_issuer.mode = "garbage"
    later(api, 0.6)  # stale: the next call refreshes behind its answer
    assert call(api, token).status_code == 200
    wait_until(lambda: fake_issuer.jwks_fetches >= 2, "a second JWKS fetch")
    wait_until(lambda: api.api_state.jwks.last_error, "the garbage noticed")
    for _ in range(3):
        assert call(api, token).status_code == 200  # it tried again, and kept the good keys


def test_hanging_jwks_does_not_stall_requests_past_the_timeout(api, fake_issuer):
    token = fake_issuer.sign(fake_issuer.claims())
    assert call(api, token).status_code == 200
    fake_issuer.mode = "hang"
    later(api, 0.6)
    assert call(api, token).status_code == 200  # stale: the refresh starts behind it
    wait_until(lambda: fake_issuer.hanging >= 1, "the refresh stuck at the issuer")
    # While the refresh hangs, a known key is served at once: the call does not wait.
    assert call(api, token).status_code == 200
    assert fake_issuer.hanging >= 1
    # An unknown kid waits for the refresh, which the API's own 1 s timeout ends: the
    # answer comes while the issuer still holds the request (it would for 30 s).
    wait_until(lambda: api.api_state.jwks.last_error, "the refresh's timeout")
    later(api, 3)  # past the cooldown: the unknown kid makes it fetch again
    unknown = fake_issuer.sign(fake_issuer.claims(), kid="not-there")
    assert call(api, unknown).status_code == 401
    assert fake_issuer.hanging >= 1  # still held: the API gave up, not the issuer
    assert "timed out" in api.api_state.jwks.last_error


def test_no_keys_at_all_is_a_clear_401(tmp_path):
    # An issuer nobody listens on: discovery fails, the API says so, no 5xx.
    api = api_for(tmp_path, "http://127.0.0.1:9/", fetch_timeout=1.0)
    try:
        response = httpx.get(
            api.api_url + "/api/directions",
            params={"destination": "Seattle"},
            headers={"Authorization": "Bearer " + _dummy_token()},
        )
        assert response.status_code == 401
        # The token was never judged: no rule of the rule book is named against it (the
        # rule book has no code for the API's own missing keys), and the words say why.
        assert "rule" not in response.json(), response.json()
        assert "signing keys" in response.json()["error_description"]
    finally:
        api.thread.stop()


def _dummy_token() -> str:
    parts = (b'{"alg":"RS256","kid":"k"}', b"{}", b"sig")
    return ".".join(base64.urlsafe_b64encode(p).rstrip(b"=").decode() for p in parts)


def test_a_remembered_token_follows_its_key_out_of_the_jwks_and_back(api, fake_issuer):
    # A verified token is answered from memory while the keys held still have its kid;
    # once a refresh drops the kid, the JWKS is asked again (after the cooldown) rather
    # than the token refused at once, or accepted from memory.
    token = fake_issuer.sign(fake_issuer.claims())
    assert call(api, token).status_code == 200
    rsa_key, ec_key = fake_issuer.jwks["keys"]
    fake_issuer.jwks = {"keys": [ec_key]}  # the issuer drops the token's key
    later(api, 0.6)  # stale: this call is served, and the keys refreshed behind it
    assert call(api, token).status_code == 200
    wait_until(lambda: "fake-rsa" not in api.api_state.jwks.keys, "the key dropped")
    fake_issuer.jwks = {"keys": [rsa_key, ec_key]}  # and puts it back
    later(api, 2)  # past the cooldown: the kid makes the API fetch the JWKS again
    assert call(api, token).status_code == 200
    fake_issuer.jwks = {"keys": [ec_key]}
    later(api, 3)
    assert call(api, token).status_code == 200  # stale again: refreshed behind the call
    wait_until(lambda: "fake-rsa" not in api.api_state.jwks.keys, "the key dropped again")
    refused = call(api, token)  # within the cooldown: no fetch, and the kid is unknown
    assert refused.status_code == 401 and refused.json()["rule"] == Code.KID_UNKNOWN
