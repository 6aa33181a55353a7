"""A third-party OAuth2 client (Authlib) fetches tokens with each client-auth method,
and RFC 7523 private_key_jwt rules hold (audience, lifetime, single-use jti)."""

from __future__ import annotations

import time
import uuid
import warnings

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.conftest import GIFT, WORLDMAPPERS

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Authlib announces a future rename of its httpx module
    from authlib.integrations.httpx_client import OAuth2Client
    from authlib.oauth2.rfc7523 import PrivateKeyJWT

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_authlib_fetches_tokens_with_secrets(shared_stack, method):
    client = OAuth2Client(GIFT[0], GIFT[1], token_endpoint_auth_method=method)
    token = client.fetch_token(
        shared_stack.token_url, grant_type="client_credentials", audience=WORLDMAPPERS
    )
    assert token["token_type"] == "Bearer" and token["scope"] == "directions"


@pytest.fixture
def key_client(stack):
    """A client registered with a public key, granted World Mappers' directions scope."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    admin = stack.admin()
    created = admin.post(
        "/clients",
        json={
            "name": "Key Holder",
            "client_authentication_methods": {
                "private_key_jwt": {
                    "credentials": [
                        {"credential_type": "public_key", "pem": public_pem, "alg": "RS256"}
                    ]
                }
            },
        },
    )
    assert created.status_code == 201, created.text
    client_id = created.json()["client_id"]
    admin.post(
        "/client-grants",
        json={"client_id": client_id, "audience": WORLDMAPPERS, "scope": ["directions"]},
    ).raise_for_status()
    return client_id, key


def test_authlib_fetches_tokens_with_private_key_jwt(stack, key_client):
    client_id, key = key_client
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    client = OAuth2Client(client_id, pem, token_endpoint_auth_method="private_key_jwt")
    # Authlib's assertions live an hour by default; RFC 7523 servers like Auth0's cap it,
    # and so does ours (5 minutes), so ask for two.
    client.register_client_auth_method(
        PrivateKeyJWT(stack.token_url, claims={"exp": int(time.time()) + 120})
    )
    token = client.fetch_token(
        stack.token_url, grant_type="client_credentials", audience=WORLDMAPPERS
    )
    claims = jwt.decode(token["access_token"], options={"verify_signature": False})
    assert claims["sub"] == f"{client_id}@clients"


def assertion(client_id: str, key, aud: str, **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": aud,
        "iat": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
        **overrides,
    }
    return jwt.encode(claims, key, algorithm="RS256")


def post_assertion(stack, value: str) -> httpx.Response:
    return httpx.post(
        stack.token_url,
        data={
            "grant_type": "client_credentials",
            "audience": WORLDMAPPERS,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": value,
        },
    )


def test_assertion_audience_may_be_issuer_or_token_endpoint(stack, key_client):
    client_id, key = key_client
    assert post_assertion(stack, assertion(client_id, key, stack.issuer)).status_code == 200
    assert post_assertion(stack, assertion(client_id, key, stack.token_url)).status_code == 200
    wrong = post_assertion(stack, assertion(client_id, key, "https://elsewhere/"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


def test_assertion_cannot_be_replayed(stack, key_client):
    client_id, key = key_client
    once = assertion(client_id, key, stack.issuer)
    assert post_assertion(stack, once).status_code == 200
    replay = post_assertion(stack, once)
    assert replay.status_code == 401 and "replay" in replay.json()["error_description"]


def test_assertion_lifetime_and_signer_are_checked(stack, key_client):
    client_id, key = key_client
    too_long = assertion(client_id, key, stack.issuer, exp=int(time.time()) + 3600)
    assert "5 minutes" in post_assertion(stack, too_long).json()["error_description"]
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = post_assertion(stack, assertion(client_id, other_key, stack.issuer))
    assert forged.status_code == 401
    sub_mismatch = assertion(client_id, key, stack.issuer, sub="someone-else")
    assert post_assertion(stack, sub_mismatch).status_code == 401


def test_key_client_cannot_fall_back_to_a_secret(stack, key_client):
    client_id, _ = key_client
    # Its own secret, the real one (every client has one): still refused, since the
    # client authenticates with private_key_jwt only.
    secret = stack.admin().post(f"/clients/{client_id}/rotate-secret").json()["client_secret"]
    response = stack.token_response(client=(client_id, secret))
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert "authenticates with private_key_jwt" in response.json()["error_description"]


async def test_m2m_tui_signs_its_assertion_with_what_the_key_is(stack, tmp_path):
    # An EC key in PKCS#8 PEM ("BEGIN PRIVATE KEY", as openssl genpkey writes it): the
    # algorithm follows the key's type and curve, not the PEM's label: ES256 for this
    # P-256 key (ES384 for P-384, ES512 for P-521), each one the bundled authority takes
    # for assertions (closed_sets.CLIENT_ASSERTION).
    from m2m_tui.config.profile import Profile
    from m2m_tui.oauth.token_request import TokenRequest, request_token

    alg = "ES256"
    key = ec.generate_private_key(ec.SECP256R1())
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    admin = stack.admin()
    credential = {"credential_type": "public_key", "pem": public_pem.decode(), "alg": alg}
    created = admin.post(
        "/clients",
        json={
            "name": f"EC {alg}",
            "client_authentication_methods": {"private_key_jwt": {"credentials": [credential]}},
        },
    )
    assert created.status_code == 201, created.text
    client_id = created.json()["client_id"]
    admin.post(
        "/client-grants", json={"client_id": client_id, "audience": WORLDMAPPERS, "scope": []}
    ).raise_for_status()
    pem = tmp_path / "client.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    profile = Profile(
        name="ec",
        issuer=stack.issuer,
        client_id=client_id,
        audience=WORLDMAPPERS,
        auth_method="private_key_jwt",
        private_key_file=str(pem),
    )
    outcome = await request_token(TokenRequest.for_profile(profile, None))
    assert outcome.ok, (outcome.error, outcome.description)
    assert outcome.exchange.request_body["client_assertion"] == "••••••"  # masked when shown
    pem.write_text("not a key")
    with pytest.raises(ValueError, match="is not an unencrypted PEM private key"):
        TokenRequest.for_profile(profile, None)
