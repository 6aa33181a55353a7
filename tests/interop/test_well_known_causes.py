"""The mistakes people make daily, each named by `diagnose` with its fix, and checked
against two APIs pointed at the same issuer: the bundled one, and Auth0's Express
validator (express-oauth2-jwt-bearer), whose checks m2m-tui did not write. Agreeing
with what each server answered is part of the test."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx
import pytest

from tests.conftest import b64, claims, signed
from tests.helpers.sessions import write_config


def hs256(stack) -> str:
    header = b64({"alg": "HS256", "typ": "JWT", "kid": stack.authority.current_key.kid})
    body = b64(claims(stack))
    mac = hmac.new(b"a-shared-secret", f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64(mac)}"


def token_for(cause: str, stack) -> str:
    now = int(time.time())
    if cause == "hs256":
        return hs256(stack)
    payload = {
        # An ID token: for the client (aud is its id), with the sign-in's nonce and at_hash.
        "id-token": claims(
            stack,
            aud="giftdeliveries",
            nonce="n-0S6_WzA2Mj",
            at_hash="77QmUPtjPfzWtF2An",
            scope=None,
        ),
        # Entra ID app-only: application permissions as app roles, no scope at all.
        "entra-roles": claims(stack, scope=None, roles=["directions"]),
        # Okta: scp as a JSON array.
        "okta-scp": claims(stack, scope=None, scp=["directions"]),
        "nbf-skew": claims(stack, nbf=now + 300),
        "iat-skew": claims(stack, iat=now + 300),
    }[cause]
    return signed(stack, payload)


# cause -> (the check diagnose must name, words its detail must hold, the cause's code)
CAUSES = {
    "id-token": ("aud", "this is an ID token", "id_token"),
    "entra-roles": ("scope", "roles", "entra_roles"),
    "okta-scp": ("scope", "scp as an array", "okta_scp"),
    "hs256": ("alg", "symmetric", "symmetric_alg"),
    "nbf-skew": ("nbf", "clock skew", "clock_skew"),
    "iat-skew": ("iat", "clock skew", "clock_skew"),
}


@pytest.mark.parametrize("api", ["bundled", "express"])
@pytest.mark.parametrize("cause", list(CAUSES))
def test_diagnose_names_the_cause_and_agrees_with_the_server(tmp_path, apis, api, cause):
    stack, urls = apis
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    token = token_for(cause, stack)
    url = urls[api].rstrip("/") + "/api/directions?destination=Paris"
    # What the server itself answers, asked directly.
    status = httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code
    from tests.conftest import run_cli

    result = run_cli(tmp_path, "diagnose", url, "--token", token, "--json")
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["server"]["status"] == status
    name, words, code = CAUSES[cause]
    check = next(c for c in report["checks"] if c["name"] == name)
    assert words in check["detail"], check
    assert check["cause"] == code, check
    assert check["fix"], check  # every cause comes with what to do
    if status in (401, 403):
        # The cause comes first; what follows from it (an HS256 signature that no RS256
        # key verifies) may fail too.
        assert report["failed"][0] == name, report["failed"]
        if cause == "id-token":  # no "grant a scope" advice for a token of the wrong kind
            assert report["failed"] == ["aud"], report["failed"]
        assert report["agreement"] == "agree", report["agreement_text"]
        assert report["causes"][0] == code, report["causes"]
        assert result.returncode == 1
    else:  # accepted: the check is a warning, never a failure the server contradicts
        assert status == 200 and report["failed"] == [] and check["ok"] is None
        assert result.returncode == 0, result.stdout
