"""The key a token names by a kid its JWKS lacks, found by the core (run_checks, no
server) among keys of every type: by RFC 7638 thumbprint, by the certificate's x5t, by
the signature; and never a key of another type, nor one that does not sign it."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from m2m_tui.diagnosis.check import Expectations
from m2m_tui.diagnosis.token_checks import run_checks
from oauth_primitives import base64url
from oauth_primitives.jwk import thumbprint
from oauth_primitives.rules.access_token import Policy
from oauth_primitives.rules.closed_sets import ASYMMETRIC

ISSUER, AUDIENCE = "https://issuer.example/", "urn:worldmappers"
PRIVATE = {
    "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "ES256": ec.generate_private_key(ec.SECP256R1()),
    "ES384": ec.generate_private_key(ec.SECP384R1()),
    "EdDSA": ed25519.Ed25519PrivateKey.generate(),
}
CERT_SHA1 = base64url.encode(b"\x07" * 20)


def jwk_of(alg: str, kid: str) -> dict:
    public = PRIVATE[alg].public_key()
    algorithm = {"RS": jwt.algorithms.RSAAlgorithm, "ES": jwt.algorithms.ECAlgorithm}.get(
        alg[:2], jwt.algorithms.OKPAlgorithm
    )
    return {**algorithm.to_jwk(public, as_dict=True), "kid": kid, "use": "sig"}


# Every key under its published kid; the RSA one with its certificate's x5t.
JWKS = {
    "keys": [
        {**jwk_of("RS256", "rsa-main"), "x5t": CERT_SHA1},
        jwk_of("ES256", "ec-main"),
        jwk_of("ES384", "ec-384"),
        jwk_of("EdDSA", "ed-main"),
    ]
}


def token(alg: str, kid: str, signer: str | None = None, **header) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": AUDIENCE, "exp": now + 600, "iat": now, "scope": "x"}
    private = PRIVATE[signer or alg]
    return jwt.encode(payload, private, algorithm=alg, headers={"kid": kid, **header})


def kid_check(raw: str):
    expect = Expectations(Policy(ISSUER, AUDIENCE, algorithms=ASYMMETRIC), "x")
    diagnosis = run_checks(raw, expect, JWKS)
    return diagnosis, next(c for c in diagnosis.checks if c.name == "kid")


PUBLISHED = {"RS256": "rsa-main", "ES256": "ec-main", "ES384": "ec-384", "EdDSA": "ed-main"}


@pytest.mark.parametrize("alg", sorted(PUBLISHED))
@pytest.mark.parametrize("named", ["thumbprint", "other", "case"])
def test_each_key_type_is_found_under_its_published_kid(alg, named):
    published = PUBLISHED[alg]
    kid = {
        "thumbprint": thumbprint(jwk_of(alg, published)),
        "other": "key-1",
        "case": published.upper(),
    }[named]
    diagnosis, check = kid_check(token(alg, kid))
    assert check.ok is False and check.cause == "kid_mismatch", check.detail
    assert f"under kid {published}:" in check.detail
    assert "the signature verifies with it" in check.detail
    assert ("RFC 7638 thumbprint" in check.detail) == (named == "thumbprint")
    for other in set(PUBLISHED.values()) - {published}:  # every kid listed, none else named
        assert other in check.detail and f"under kid {other}" not in check.detail
    assert diagnosis.causes == ["kid_mismatch"]


def test_a_kid_that_is_the_certificates_x5t_finds_the_key():
    _, check = kid_check(token("RS256", CERT_SHA1))
    assert check.cause == "kid_mismatch" and "under kid rsa-main" in check.detail
    assert "x5t" in check.detail and "the signature verifies with it" in check.detail


def test_a_thumbprint_kid_signed_by_another_key_says_the_signature_does_not_fit():
    # The kid names the EC key by its thumbprint; a key of the same type signed it.
    other = ec.generate_private_key(ec.SECP256R1())
    PRIVATE["other"] = other
    raw = token("ES256", thumbprint(jwk_of("ES256", "ec-main")), signer="other")
    _, check = kid_check(raw)
    assert "under kid ec-main" in check.detail
    assert "the signature does not verify with it" in check.detail


def test_no_key_is_named_that_did_not_sign_it():
    PRIVATE["stranger"] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _, check = kid_check(token("RS256", "old-key", signer="stranger"))
    assert check.ok is False and check.cause == "" and "under kid" not in check.detail
    assert "its kids: rsa-main, ec-main, ec-384, ed-main" in check.detail
    assert "rotated out" in check.detail
