"""A token asked for without an audience (issue #48): Auth0 then issues an encrypted
token (a JWE, `alg: dir`, 5 parts, its key the tenant's own) or an opaque one, good only
for /userinfo. `diagnose` names the missing `audience` as the cause and the fix, at the
bundled API and Auth0's Express validator; where the profile itself names no audience,
it says so too. A JWE encrypted for an API (RSA-OAEP) is not that."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest

from oauth_primitives import base64url
from tests.conftest import run_cli
from tests.helpers.sessions import write_config


def jwe(header: dict) -> str:
    """A JWE compact serialization as Auth0 issues it: with `dir`, no encrypted key."""
    key = "" if header["alg"] == "dir" else base64url.encode(secrets.token_bytes(256))
    parts = [
        base64url.encode_json(header),
        key,
        base64url.encode(secrets.token_bytes(12)),  # the IV
        base64url.encode(secrets.token_bytes(400)),  # the ciphertext
        base64url.encode(secrets.token_bytes(16)),  # the tag
    ]
    return ".".join(parts)


def no_audience_tokens(issuer: str) -> dict[str, str]:
    return {
        "auth0": jwe({"alg": "dir", "enc": "A256GCM", "iss": issuer}),
        "auth0-custom-domain": jwe(
            {"alg": "dir", "enc": "A256GCM", "iss": "https://login.acme.example/"}
        ),
        "dir-a128": jwe({"alg": "dir", "enc": "A128CBC-HS256"}),
    }


def diagnose(tmp_path, stack, url: str, token: str, audience: bool = True) -> dict:
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    if not audience:  # the profile as people write it first: no audience
        path = tmp_path / "config.toml"
        path.write_text(path.read_text().replace('audience = "urn:worldmappers"\n', "", 1))
    result = run_cli(tmp_path, "diagnose", url, "--token", token, "--json")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout
    return json.loads(result.stdout)


@pytest.mark.parametrize("api", ["bundled", "express"])
@pytest.mark.parametrize("case", ["auth0", "auth0-custom-domain", "dir-a128"])
@pytest.mark.parametrize("audience", [True, False], ids=["profile-audience", "profile-none"])
def test_a_token_asked_without_audience_names_the_missing_audience(
    tmp_path, apis, api, case, audience
):
    stack, urls = apis
    token = no_audience_tokens(stack.issuer)[case]
    url = urls[api].rstrip("/") + "/api/directions?destination=Paris"
    assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    report = diagnose(tmp_path, stack, url, token, audience)
    check = report["checks"][0]
    assert check["name"] == "format" and check["cause"] == "no_audience", check
    assert "no audience" in check["detail"] and "/userinfo" in check["detail"]
    if audience or api == "bundled":  # the API's, from its metadata or the profile
        assert "audience=urn:worldmappers" in check["fix"]
    # Not the advice for a JWE meant for the API.
    assert "only its recipient" not in check["detail"] and "whole" not in check["fix"]
    assert ("profile gift" in check["detail"]) == (not audience)
    assert ("[profiles.gift]" in check["fix"]) == (not audience)
    assert report["causes"] == ["no_audience"] and report["agreement"] == "agree"


@pytest.mark.parametrize("api", ["bundled", "express"])
def test_an_opaque_token_from_a_profile_without_audience_names_it(tmp_path, apis, api):
    stack, urls = apis
    url = urls[api].rstrip("/") + "/api/directions?destination=Paris"
    for token in ("hTk0mdw3nMvUxDqeEaOB8Q6ZkJTNzb2V", secrets.token_urlsafe(24)):
        report = diagnose(tmp_path, stack, url, token, audience=False)
        check = next(c for c in report["checks"] if c["cause"] == "no_audience")
        assert "profile gift" in check["detail"] and "[profiles.gift]" in check["fix"]


def test_a_jwe_encrypted_for_the_api_is_not_blamed_on_the_audience(tmp_path, apis):
    stack, urls = apis
    token = jwe({"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": "api-enc-key"})
    url = urls["bundled"].rstrip("/") + "/api/directions?destination=Paris"
    report = diagnose(tmp_path, stack, url, token)
    check = report["checks"][0]
    assert check["cause"] == "" and "RSA-OAEP-256" in check["detail"]
    assert "decrypt" in check["detail"] and "no_audience" not in report["causes"]
