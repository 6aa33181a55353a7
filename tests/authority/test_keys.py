"""Signing keys: the JWKS, verification by third parties, rotation, revocation, restarts."""

from __future__ import annotations

import base64
import hashlib

import httpx
import jwt
from cryptography import x509
from jwt.algorithms import RSAAlgorithm

from oauth_primitives.rules.findings import Code
from tests.conftest import WORLDMAPPERS, start_stack


def jwks_of(stack) -> dict:
    return httpx.get(stack.issuer + ".well-known/jwks.json").json()


def test_jwks_lists_signing_keys_with_x5c_matching_n_and_e(shared_stack):
    keys = jwks_of(shared_stack)["keys"]
    assert len(keys) == 2  # current and next
    for jwk in keys:
        assert jwk["kty"] == "RSA" and jwk["use"] == "sig" and jwk["alg"] == "RS256"
        assert jwk["kid"]
        der = base64.b64decode(jwk["x5c"][0], validate=True)  # standard base64, not url
        cert_key = x509.load_der_x509_certificate(der).public_key().public_numbers()
        jwk_key = RSAAlgorithm.from_jwk(jwk).public_numbers()
        assert (cert_key.n, cert_key.e) == (jwk_key.n, jwk_key.e)
        assert cert_key.n.bit_length() == 2048
        expected_x5t = base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode()
        assert jwk["x5t"] == expected_x5t


def test_tokens_verify_with_pyjwt_jwks_client(shared_stack):
    token = shared_stack.token()
    client = jwt.PyJWKClient(shared_stack.issuer + ".well-known/jwks.json")
    key = client.get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token, key.key, algorithms=["RS256"], audience=WORLDMAPPERS, issuer=shared_stack.issuer
    )
    assert claims["sub"] == "giftdeliveries@clients"


def test_discovery_documents(shared_stack):
    for path in ("openid-configuration", "oauth-authorization-server"):
        doc = httpx.get(shared_stack.issuer + ".well-known/" + path).json()
        assert doc["issuer"] == shared_stack.issuer
        assert doc["token_endpoint"] == shared_stack.issuer + "oauth/token"
        assert doc["jwks_uri"] == shared_stack.issuer + ".well-known/jwks.json"
        assert doc["grant_types_supported"] == [
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ]
        assert set(doc["token_endpoint_auth_methods_supported"]) == {
            "client_secret_basic",
            "client_secret_post",
            "client_secret_jwt",
            "private_key_jwt",
        }
        # private_key_jwt's algorithms and client_secret_jwt's HMACs (RFC 8414 §2).
        algs = doc["token_endpoint_auth_signing_alg_values_supported"]
        assert {"RS256", "ES256", "HS256", "HS384", "HS512"} <= set(algs)


def test_rotation_keeps_old_tokens_valid_until_revoke(stack):
    old = stack.token()
    old_kid = jwt.get_unverified_header(old)["kid"]
    admin = stack.admin()
    keys_before = {k["kid"]: k for k in admin.get("/keys/signing").json()}
    next_kid = next(k for k, v in keys_before.items() if v["next"])
    rotated = admin.post("/keys/signing/rotate")
    assert rotated.status_code == 201 and rotated.json()["kid"] == next_kid
    new = stack.token()
    assert jwt.get_unverified_header(new)["kid"] == next_kid
    assert old_kid in {k["kid"] for k in jwks_of(stack)["keys"]}
    # The API (over HTTP, JWKS-cached) still accepts the old token, and the new one.
    assert stack.call("/api/directions", old, destination="Auth0 Office").status_code == 200
    assert stack.call("/api/directions", new, destination="Auth0 Office").status_code == 200
    listed = {k["kid"]: k for k in admin.get("/keys/signing").json()}
    assert listed[old_kid]["previous"] and listed[next_kid]["current"]
    # The current key cannot be revoked; the previous one can.
    assert admin.put(f"/keys/signing/{next_kid}/revoke").status_code == 400
    assert admin.put(f"/keys/signing/{old_kid}/revoke").status_code == 200
    assert old_kid not in {k["kid"] for k in jwks_of(stack)["keys"]}
    # The admin token was signed by the revoked key: the Management API refuses it now.
    assert admin.get("/keys/signing").status_code == 401
    assert stack.admin().get(f"/keys/signing/{old_kid}").json()["revoked"] is True


def test_restart_keeps_keys_grants_and_edits(tmp_path):
    first = start_stack(tmp_path / "state")
    try:
        kid = jwt.get_unverified_header(first.token())["kid"]
        admin = first.admin()
        grant = admin.get("/client-grants", params={"client_id": "giftdeliveries"}).json()[0]
        admin.patch(
            f"/client-grants/{grant['id']}", json={"scope": ["directions", "geocode:location"]}
        ).raise_for_status()
        jwks = jwks_of(first)
    finally:
        first.thread.stop()
    second = start_stack(tmp_path / "state")
    try:
        assert jwks_of(second) == jwks
        token = second.token()
        assert jwt.get_unverified_header(token)["kid"] == kid
        claims = jwt.decode(token, options={"verify_signature": False})
        # Re-seeding from config.toml did not overwrite the edit.
        assert claims["scope"] == "directions geocode:location"
    finally:
        second.thread.stop()


def test_state_files_are_private(stack):
    assert (stack.state_dir.stat().st_mode & 0o777) == 0o700
    db = stack.state_dir / "tenant.db"
    assert (db.stat().st_mode & 0o777) == 0o600
    assert b"giftdeliveries-local-secret" not in db.read_bytes()
    wal = stack.state_dir / "tenant.db-wal"
    if wal.exists():
        assert (wal.stat().st_mode & 0o777) == 0o600
        assert b"giftdeliveries-local-secret" not in wal.read_bytes()


def test_the_api_refuses_a_revoked_key_once_its_short_jwks_cache_lapses(quick_jwks_stack):
    import time

    stack = quick_jwks_stack
    old = stack.token()
    assert stack.call("/api/directions", old, destination="Seattle").status_code == 200
    admin = stack.admin()
    admin.post("/keys/signing/rotate").raise_for_status()
    admin = stack.admin()
    admin.put(f"/keys/signing/{jwt.get_unverified_header(old)['kid']}/revoke").raise_for_status()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        response = stack.call("/api/directions", old, destination="Seattle")
        if response.status_code == 401:
            break
        time.sleep(0.5)
    assert response.status_code == 401
    assert response.json()["rule"] == Code.KID_UNKNOWN, response.json()
    assert stack.call("/api/directions", stack.token(), destination="Seattle").status_code == 200
