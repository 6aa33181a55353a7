"""A kid the issuer's JWKS does not hold (issue #48), the ways issuers make one: the key
named by its RFC 7638 thumbprint in the token and by hand in the JWKS, a kid typed with
another case, a kid from the signer's own config. `diagnose`, against the bundled API
and Auth0's Express validator, lists the JWKS's kids and finds the key under its other
kid; a key that is not there at all stays "rotated out or another issuer"."""

from __future__ import annotations

import json

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from oauth_primitives import base64url
from oauth_primitives.jwk import thumbprint
from tests.conftest import claims, run_cli
from tests.helpers.sessions import write_config


def sign(stack, private, kid: str) -> str:
    import jwt

    return jwt.encode(claims(stack), private, algorithm="RS256", headers={"kid": kid})


def current(stack):
    key = stack.authority.current_key
    jwk = httpx.get(stack.issuer + ".well-known/jwks.json").json()["keys"]
    return key, next(k for k in jwk if k["kid"] == key.kid)


def kid_for(case: str, stack) -> str:
    key, jwk = current(stack)
    return {
        "thumbprint": thumbprint(jwk),  # the signer names keys by thumbprint
        "case": key.kid.swapcase(),  # typed again, in another case
        "config": "signing-key-2024",  # the signer's own name for the key
        "sha1": base64url.encode(bytes(20)),  # an x5t-looking kid of another certificate
    }[case]


@pytest.mark.parametrize("api", ["bundled", "express"])
@pytest.mark.parametrize("case", ["thumbprint", "case", "config", "sha1"])
def test_the_key_under_another_kid_is_found_and_named(tmp_path, apis, api, case):
    stack, urls = apis
    key, _ = current(stack)
    token = sign(stack, key.private_key, kid_for(case, stack))
    url = urls[api].rstrip("/") + "/api/directions?destination=Paris"
    assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    result = run_cli(tmp_path, "diagnose", url, "--token", token, "--json")
    assert "Traceback" not in result.stderr and result.returncode == 1
    report = json.loads(result.stdout)
    check = next(c for c in report["checks"] if c["name"] == "kid")
    assert check["ok"] is False and check["cause"] == "kid_mismatch", check
    assert f"under kid {key.kid}" in check["detail"] and "its kids: " in check["detail"]
    assert "the signature verifies with it" in check["detail"]
    assert ("RFC 7638 thumbprint" in check["detail"]) == (case == "thumbprint")
    assert key.kid in check["fix"]
    assert report["causes"] == ["kid_mismatch"] and report["agreement"] == "agree"
    # What a person reads, not only the JSON.
    text = run_cli(tmp_path, "diagnose", url, "--token", token).stdout
    assert f"under kid {key.kid}" in " ".join(text.split()), text


@pytest.mark.parametrize("api", ["bundled", "express"])
def test_a_key_that_is_not_there_lists_the_kids_and_names_no_key(tmp_path, apis, api):
    stack, urls = apis
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = sign(stack, other, "rotated-out-2023")
    url = urls[api].rstrip("/") + "/api/directions?destination=Paris"
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    report = json.loads(run_cli(tmp_path, "diagnose", url, "--token", token, "--json").stdout)
    check = next(c for c in report["checks"] if c["name"] == "kid")
    assert check["ok"] is False and check["cause"] == "", check
    assert stack.authority.current_key.kid in check["detail"]
    assert "rotated out" in check["detail"] and "under kid" not in check["detail"]
    assert report["agreement"] == "agree"
