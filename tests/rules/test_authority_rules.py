"""The authorization server's rules as the rule book states them, where no tenant the
Management API allows can reach them (a *_authz dialect with RBAC off, a key record that
names an HMAC), at the clock's edge (the one leeway, closed_sets.LEEWAY, for assertions
as for tokens), and for client_secret_jwt: its assertions checked with the secret by the
same table as private_key_jwt's, and neither method's algorithms passing for the other's."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from oauth_primitives.rules.client_auth import (
    AssertionCheck,
    RegisteredKey,
    assertion_method,
    assertion_refusal,
    method_refusal,
    read_assertion,
    secret_keys,
)
from oauth_primitives.rules.closed_sets import LEEWAY, AuthMethod, Dialect
from oauth_primitives.rules.issuance import ApiSettings, Asked, GrantSettings, refusal
from oauth_primitives.token_refusals import Refusal

AUDIENCE = "urn:worldmappers"
TOKEN_URL = "https://tenant.example/oauth/token"


def test_an_authz_dialect_with_rbac_off_issues_no_token():
    # A restored backup can hold what the Management API refuses to set.
    api = ApiSettings(AUDIENCE, Dialect.ACCESS_TOKEN_AUTHZ, rbac=False)
    refused = refusal(Asked("gift", AUDIENCE, api, GrantSettings(("directions",))))
    assert refused is not None and refused.code is Refusal.DIALECT_NEEDS_RBAC
    assert (refused.status, refused.error) == (403, "access_denied")
    assert "enforce_policies" in refused.describe()
    rbac_on = ApiSettings(AUDIENCE, Dialect.ACCESS_TOKEN_AUTHZ, rbac=True)
    assert refusal(Asked("gift", AUDIENCE, rbac_on, GrantSettings(("directions",)))) is None


KEY = ec.generate_private_key(ec.SECP256R1())
PEM = (
    KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def judged(now: float, **claims) -> Refusal | None:
    base = {"iss": "gift", "sub": "gift", "aud": TOKEN_URL, "exp": now + 60, "jti": "j1"}
    jws = read_assertion(jwt.encode({**base, **claims}, KEY, algorithm="ES256"))
    check = AssertionCheck(
        "gift",
        (RegisteredKey("cred_1", PEM, "ES256"),),
        ("https://tenant.example/", TOKEN_URL),
        now,
        lambda key, exp: True,
        jws,
    )
    refused = assertion_refusal(check)
    return None if refused is None else refused.code


@pytest.mark.parametrize(
    ("claim", "offset", "code"),
    [
        ("exp", -LEEWAY + 1, None),  # expired by less than the leeway: still good
        ("exp", -LEEWAY, Refusal.ASSERTION_EXPIRED),
        ("iat", LEEWAY, None),
        ("iat", LEEWAY + 1, Refusal.ASSERTION_IAT_FUTURE),
        ("nbf", LEEWAY + 1, Refusal.ASSERTION_NOT_YET_VALID),
        ("exp", 300 + LEEWAY + 1, Refusal.ASSERTION_TOO_LONG),
    ],
)
def test_an_assertion_at_the_clocks_edge(claim, offset, code):
    now = time.time()
    assert judged(now, **{claim: now + offset}) is code


SECRET = "a-client-secret-of-sixty-four-bytes-for-hs512-0123456789abcdefghi"
RSA_PEM_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PEM = (
    RSA_PEM_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def hmac_assertion(secret: str, alg: str = "HS256", **headers) -> str:
    now = time.time()
    claims = {"iss": "gift", "sub": "gift", "aud": TOKEN_URL, "exp": now + 60, "jti": "j2"}
    return jwt.encode(claims, secret.encode(), algorithm=alg, headers=headers or None)


def _raw_hs(claims: dict, key: str, alg: str, headers: dict) -> str:
    """An HMAC JWS by hand: PyJWT refuses to key an HMAC with a PEM (its own guard
    against this very confusion), which an attacker's tool would not."""
    import hashlib
    import hmac

    from oauth_primitives import base64url

    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    signing_input = (
        base64url.encode_json({"alg": alg, "typ": "JWT", **headers})
        + "."
        + base64url.encode_json(claims)
    )
    mac = hmac.new(key.encode(), signing_input.encode(), digest).digest()
    return signing_input + "." + base64url.encode(mac)


def check_of(assertion: str, keys: tuple[RegisteredKey, ...], method: AuthMethod) -> Refusal | None:
    jws = read_assertion(assertion)
    check = AssertionCheck(
        "gift",
        keys,
        ("https://tenant.example/", TOKEN_URL),
        time.time(),
        lambda key, exp: True,
        jws,
        method=method,
    )
    refused = assertion_refusal(check)
    return None if refused is None else refused.code


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_a_client_secret_jwt_assertion_is_checked_with_the_secret(alg):
    keys = secret_keys(SECRET)
    assert check_of(hmac_assertion(SECRET, alg), keys, AuthMethod.CLIENT_SECRET_JWT) is None
    # A kid names no secret: it is not held against the assertion.
    named = hmac_assertion(SECRET, alg, kid="whatever")
    assert check_of(named, keys, AuthMethod.CLIENT_SECRET_JWT) is None
    wrong = hmac_assertion("another-secret-of-sixty-four-bytes-for-hs512-0123456789abcdefghi", alg)
    assert check_of(wrong, keys, AuthMethod.CLIENT_SECRET_JWT) is Refusal.ASSERTION_SIGNATURE


def test_a_client_secret_jwt_client_whose_secret_is_not_kept_is_told_to_rotate_it():
    jws = read_assertion(hmac_assertion(SECRET))
    check = AssertionCheck(
        "gift",
        (),
        (TOKEN_URL,),
        time.time(),
        lambda k, e: True,
        jws,
        method=AuthMethod.CLIENT_SECRET_JWT,
    )
    refused = assertion_refusal(check)
    assert refused is not None and refused.code is Refusal.NO_REGISTERED_KEY
    assert "rotate the client's secret" in refused.describe()


def test_no_hmac_keyed_with_the_public_key_passes_for_private_key_jwt():
    """RFC 8725 §3.1's confusion: the attacker knows the public key's PEM and signs HS256
    with it. Refused by the algorithm, even where a key's record names an HMAC."""
    forged = _raw_hs(
        {"iss": "gift", "sub": "gift", "aud": TOKEN_URL, "exp": time.time() + 60, "jti": "j3"},
        RSA_PEM,
        "HS256",
        {},
    )
    registered = (RegisteredKey("cred_1", RSA_PEM, "RS256"),)
    assert check_of(forged, registered, AuthMethod.PRIVATE_KEY_JWT) is Refusal.ASSERTION_ALG
    tampered = (RegisteredKey("cred_1", RSA_PEM, "HS256"),)  # a record that says HS256
    assert check_of(forged, tampered, AuthMethod.PRIVATE_KEY_JWT) is Refusal.ASSERTION_ALG


def test_no_signature_of_a_key_passes_for_client_secret_jwt():
    now = time.time()
    claims = {"iss": "gift", "sub": "gift", "aud": TOKEN_URL, "exp": now + 60, "jti": "j4"}
    signed = jwt.encode(claims, RSA_PEM_KEY, algorithm="RS256")
    keys = (*secret_keys(SECRET), RegisteredKey("cred_1", RSA_PEM, "RS256"))
    assert check_of(signed, keys, AuthMethod.CLIENT_SECRET_JWT) is Refusal.ASSERTION_ALG


def test_a_secret_sent_and_a_secret_signed_with_do_not_stand_for_each_other():
    jwt_method, post = AuthMethod.CLIENT_SECRET_JWT, AuthMethod.CLIENT_SECRET_POST
    assert method_refusal(jwt_method, post).code is Refusal.METHOD_NOT_REGISTERED
    assert method_refusal(post, jwt_method).code is Refusal.METHOD_NOT_REGISTERED
    assert method_refusal(post, AuthMethod.CLIENT_SECRET_BASIC) is None
    # One assertion method for the other: the ASSERTION table judges it, by the
    # registered method's keys and algorithms (test_no_hmac_keyed_with_the_public_key…).
    assert method_refusal(AuthMethod.PRIVATE_KEY_JWT, jwt_method) is None
    # Which of RFC 7523's methods an assertion is, its alg says.
    assert assertion_method("HS384") is AuthMethod.CLIENT_SECRET_JWT
    assert assertion_method("ES256") is AuthMethod.PRIVATE_KEY_JWT
    assert assertion_method(None) is AuthMethod.PRIVATE_KEY_JWT
