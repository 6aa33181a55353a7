"""The authorization server's rules as the rule book states them, where no tenant the
Management API allows can reach them (a *_authz dialect with RBAC off), and at the
clock's edge (the one leeway, closed_sets.LEEWAY, for assertions as for tokens)."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from oauth_primitives.rules.client_auth import (
    AssertionCheck,
    RegisteredKey,
    assertion_refusal,
    read_assertion,
)
from oauth_primitives.rules.closed_sets import LEEWAY, Dialect
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
