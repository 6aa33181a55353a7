"""Tokens damaged on their way, as logs, JSON and URLs damage them: cut short by some
characters, or with what came after them still attached. The diagnosis says what
happened to the signature (bytes missing, characters after it), for each algorithm
whose signature's length is known, never "altered after issue"."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from m2m_tui.diagnosis.check import Expectations
from m2m_tui.diagnosis.token_checks import run_checks
from m2m_tui.tokens.pasted import clean_pasted
from oauth_primitives.rules.access_token import Policy
from oauth_primitives.rules.closed_sets import ASYMMETRIC

KEYS = {
    "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "PS256": rsa.generate_private_key(public_exponent=65537, key_size=3072),
    "ES256": ec.generate_private_key(ec.SECP256R1()),
    "ES384": ec.generate_private_key(ec.SECP384R1()),
    "ES512": ec.generate_private_key(ec.SECP521R1()),
}


def issued(alg: str) -> tuple[str, dict]:
    key = KEYS[alg]
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": "https://issuer.example/",
            "aud": "urn:worldmappers",
            "iat": now,
            "exp": now + 600,
            "scope": "directions",
        },
        key,
        algorithm=alg,
        headers={"kid": "k1"},
    )
    to_jwk = RSAAlgorithm.to_jwk if alg[:2] in ("RS", "PS") else ECAlgorithm.to_jwk
    jwk = {**json.loads(to_jwk(key.public_key())), "kid": "k1", "use": "sig"}
    return token, {"keys": [jwk]}


def diagnosed(text: str, jwks: dict):
    expect = Expectations(
        Policy("https://issuer.example/", "urn:worldmappers", algorithms=ASYMMETRIC),
        "directions",
    )
    return run_checks(clean_pasted(text).token, expect, jwks)


@pytest.mark.parametrize("alg", list(KEYS))
@pytest.mark.parametrize("cut", [1, 2, 3, 4, 8, 40])
def test_a_token_cut_short_is_named_with_what_is_missing(alg, cut):
    token, jwks = issued(alg)
    diagnosis = diagnosed(token[:-cut], jwks)
    assert diagnosis.causes == ["signature_truncated"], [
        c for c in diagnosis.checks if c.ok is False
    ]
    check = next(c for c in diagnosis.checks if c.cause == "signature_truncated")
    assert "altered after issue" not in check.detail
    if check.name == "signature":  # a whole number of bytes: counted
        assert "bytes of the signature are missing" in check.detail, check.detail
    else:  # 4n+1 characters: no byte count at all
        assert check.name == "format" and "cut short" in check.detail


# What comes after a token copied from JSON, a URL, a log or code.
AFTER = ['"}', '"', '",', "%22", "%22%7D", "\\n", '\\"', "&token_type=Bearer", "'", ";", "}}"]


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
@pytest.mark.parametrize("after", AFTER)
def test_characters_after_the_signature_are_named(alg, after):
    token, jwks = issued(alg)
    diagnosis = diagnosed(token + after, jwks)
    assert diagnosis.causes == ["trailing_characters"], diagnosis.checks[0]
    check = diagnosis.checks[0]
    assert check.name == "format" and "followed by" in check.detail, check.detail
    assert "access_token" in check.fix


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES384"])
@pytest.mark.parametrize("joined", ["AAAA", "eyJ0", "x-_y"])
def test_base64url_joined_to_its_end_makes_a_signature_too_long(alg, joined):
    token, jwks = issued(alg)
    diagnosis = diagnosed(token + joined, jwks)
    check = next(c for c in diagnosis.checks if c.name == "signature")
    assert check.cause == "trailing_characters" and "bytes more" in check.detail, check


def test_a_signature_of_the_right_length_that_fails_is_still_tampering():
    token, jwks = issued("RS256")
    other = jwt.encode({"scope": "everything"}, KEYS["RS256"], algorithm="RS256")
    forged = token.rsplit(".", 1)[0] + "." + other.rsplit(".", 1)[1]
    check = next(c for c in diagnosed(forged, jwks).checks if c.name == "signature")
    assert check.ok is False and check.cause == "" and "altered after issue" in check.detail
