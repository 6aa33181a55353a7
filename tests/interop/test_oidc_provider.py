"""m2m-tui against panva's oidc-provider, a certified OpenID provider it did not write:
every client authentication, DPoP with and without nonces, RFC 8707 resource indicators
giving RFC 9068 JWTs, opaque tokens, introspection and revocation; the bundled API
validating that provider's tokens and `diagnose` explaining its refusals."""

from __future__ import annotations

import json

import jwt
import pytest

from tests.conftest import WORLDMAPPERS, run_cli


def cli(tmp_path, provider, *args, api=None, stdin=None):
    config = tmp_path / "config.toml"
    if not config.exists():
        config.write_text(provider.profiles(api))
    return run_cli(tmp_path, *args, stdin=stdin)


@pytest.mark.parametrize("profile", ["basic", "post", "hmacjwt", "keyjwt"])
def test_each_client_authentication_gets_an_rfc_9068_jwt(tmp_path, provider, profile):
    result = cli(tmp_path, provider, "--profile", profile, "token", "--json")
    assert result.returncode == 0, result.stderr
    token = json.loads(result.stdout)["access_token"]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["typ"] == "at+jwt"  # RFC 9068 §2.1
    assert claims["aud"] == WORLDMAPPERS and claims["iss"] == provider.issuer
    assert claims["client_id"] == {
        "basic": "gift-basic",
        "post": "gift-post",
        "hmacjwt": "gift-hmac",
    }.get(profile, "gift-key")
    # Its signature checks out against the provider's JWKS, found by discovery.
    verified = cli(tmp_path, provider, "--profile", profile, "verify", token)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "✓ signature" in verified.stdout and verified.stdout.endswith("valid\n")


def test_a_wrong_secret_is_refused_with_the_providers_words(tmp_path, provider):
    (tmp_path / "config.toml").write_text(
        provider.profiles().replace(
            'client_id = "gift-post"\nauth_method = "client_secret_post"\nclient_secret = "',
            'client_id = "gift-post"\nauth_method = "client_secret_post"\nclient_secret = "x',
        )
    )
    result = run_cli(tmp_path, "--profile", "post", "token")
    assert result.returncode == 1
    assert "invalid_client" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_client_secret_jwt_assertion_with_a_wrong_secret_is_refused(tmp_path, provider):
    """oidc-provider sends no rule code: the hint rests on what was sent, an HMAC
    assertion, so it points at the secret and the clock, not at a private key."""
    (tmp_path / "config.toml").write_text(
        provider.profiles().replace(
            'client_id = "gift-hmac"\nauth_method = "client_secret_jwt"\nclient_secret = "',
            'client_id = "gift-hmac"\nauth_method = "client_secret_jwt"\nclient_secret = "x',
        )
    )
    result = run_cli(tmp_path, "--profile", "hmacjwt", "token")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "invalid_client" in result.stderr
    assert "client_secret_jwt assertion" in result.stderr and "clock" in result.stderr
    assert "private_key_file" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("nonce", [False, True], ids=["no-nonce", "nonce-required"])
def test_dpop_bound_tokens(tmp_path, provider, nonce_provider, nonce):
    server = nonce_provider if nonce else provider
    result = cli(tmp_path, server, "--profile", "dpop", "token", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["token_type"] == "DPoP"
    claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
    assert claims["cnf"]["jkt"] == answer["dpop_jkt"]  # bound to the profile's key


def test_opaque_token_introspected_then_revoked(tmp_path, provider):
    token = cli(tmp_path, provider, "--profile", "opaque", "token").stdout.strip()
    assert token.count(".") == 0  # no resource indicator: a reference, not a JWT
    seen = cli(tmp_path, provider, "--profile", "opaque", "introspect", token, "--json")
    assert seen.returncode == 0, seen.stderr
    said = json.loads(seen.stdout)
    assert said["active"] is True and said["client_id"] == "gift-basic"
    assert said["scope"] == "directions"
    revoked = cli(tmp_path, provider, "--profile", "opaque", "revoke", "-", stdin=token)
    assert revoked.returncode == 0, revoked.stderr
    assert "dropped from the cache" in revoked.stderr
    after = cli(tmp_path, provider, "--profile", "opaque", "introspect", token, "--json")
    assert after.returncode == 1 and json.loads(after.stdout) == {"active": False}


def test_a_jwt_the_provider_will_not_introspect_or_revoke_is_said(tmp_path, provider):
    """oidc-provider answers RFC 7009's unsupported_token_type for its JWT access tokens,
    at both endpoints: a sentence that says what to do instead, not a bare HTTP 400."""
    token = cli(tmp_path, provider, "token").stdout.strip()
    for command in ("introspect", "revoke"):
        result = cli(tmp_path, provider, command, token)
        assert result.returncode == 1, result.stderr
        assert "unsupported_token_type" in result.stderr
        assert "will not " + command in result.stderr and "m2m-tui verify" in result.stderr
        assert "Traceback" not in result.stderr


def test_the_bundled_api_validates_the_providers_tokens(tmp_path, provider, bundled_api):
    cli(tmp_path, provider, "token", api=bundled_api.api_url)
    called = cli(tmp_path, provider, "call", "/api/directions", "--param", "destination=Paris")
    assert called.returncode == 0, called.stdout + called.stderr
    assert called.stderr.startswith("200 GET") and "Arrive at Paris" in called.stdout
    bound = cli(
        tmp_path,
        provider,
        "--profile",
        "dpop",
        "call",
        "/api/directions",
        "--param",
        "destination=Paris",
    )
    assert bound.returncode == 0, bound.stdout + bound.stderr
    assert bound.stderr.startswith("200 GET")  # the bound token, with its proof


def test_diagnose_names_a_missing_scope_at_the_bundled_api(tmp_path, provider, bundled_api):
    cli(tmp_path, provider, "token", api=bundled_api.api_url)  # scope: directions only
    result = cli(tmp_path, provider, "diagnose", "/api/location/geocode", "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["server"]["status"] == 403
    assert report["failed"] == ["scope"]
    assert any("geocode:location" in c["detail"] for c in report["checks"] if c["name"] == "scope")


def test_diagnose_names_a_dpop_token_sent_as_bearer(tmp_path, provider, bundled_api):
    (tmp_path / "config.toml").write_text(provider.profiles(bundled_api.api_url))
    token = run_cli(tmp_path, "--profile", "dpop", "token").stdout.strip()
    result = run_cli(tmp_path, "diagnose", "/api/directions", "--token", token, "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["server"]["status"] == 401
    # The one failure is the scheme: a DPoP-bound token sent as Bearer, and the fix.
    assert report["failed"] == ["scheme"]
    scheme = next(c for c in report["checks"] if c["name"] == "scheme")
    assert "DPoP-bound (cnf.jkt) but was sent as Bearer" in scheme["detail"]
    assert "dpop = true" in scheme["fix"]


def test_diagnose_agrees_with_auth0s_express_validator(tmp_path, provider, express_api):
    """The provider's tokens at Auth0's own validator: accepted with the scope, refused
    without it, and diagnose names the same cause the validator gives."""
    cli(tmp_path, provider, "token")  # scope: directions only
    token = cli(tmp_path, provider, "token").stdout.strip()
    ok = cli(tmp_path, provider, "diagnose", express_api.url + "/api/directions", "--token", token)
    assert ok.returncode == 0 and "ACCEPTED" in ok.stdout, ok.stdout + ok.stderr
    refused = cli(
        tmp_path,
        provider,
        "diagnose",
        express_api.url + "/api/location/geocode",
        "--token",
        token,
        "--json",
    )
    report = json.loads(refused.stdout)
    assert report["server"]["status"] == 403
    assert report["server"]["www_authenticate"]["error"] == "insufficient_scope"
    assert report["failed"] == ["scope"] and report["agreement"] == "agree"


def test_serve_introspects_at_another_provider_with_credentials_from_flags(
    tmp_path, provider, monkeypatch
):
    """`serve --only api --validation introspection` against a provider it did not
    seed: the API's client comes from flags, its secret from a named variable."""
    import httpx

    from tests.helpers.serve_process import start, stop
    from tests.interop.conftest import SECRET

    monkeypatch.setenv("WM_INTROSPECTION_SECRET", SECRET)
    proc, found = start(
        tmp_path,
        "--only",
        "api",
        "--issuer",
        provider.issuer,
        "--validation",
        "introspection",
        "--introspection-client-id",
        "gift-basic",
        "--introspection-secret-env",
        "WM_INTROSPECTION_SECRET",
    )
    try:
        token = cli(tmp_path, provider, "--profile", "opaque", "token").stdout.strip()
        url = found["api"].rstrip("/") + "/api/directions"

        def said() -> str:
            answer = httpx.get(
                url, params={"destination": "Paris"}, headers={"Authorization": f"Bearer {token}"}
            )
            assert answer.status_code == 401
            return answer.headers["www-authenticate"]

        # The provider answered the API's introspection (so the flags' client worked):
        # active, but issued for no API, which this API refuses by name.
        assert "names no audience" in said()
        assert cli(tmp_path, provider, "--profile", "opaque", "revoke", token).returncode == 0
        assert "not active" in said()  # at once: the API asked again
    finally:
        out = stop(proc)
    assert SECRET not in out  # never logged


def test_serve_says_when_the_secret_variable_is_not_set(tmp_path, provider):
    (tmp_path / "config.toml").write_text(provider.profiles())
    result = run_cli(
        tmp_path,
        "serve",
        "--only",
        "api",
        "--issuer",
        provider.issuer,
        "--validation",
        "introspection",
        "--introspection-secret-env",
        "NO_SUCH_VARIABLE_FOR_M2M",
    )
    assert result.returncode == 2
    assert "NO_SUCH_VARIABLE_FOR_M2M: that variable is not set" in result.stderr
    assert "Traceback" not in result.stderr
