"""Reading tokens without a UI: decoding, explanations, relative times, scopes."""

from __future__ import annotations

import time

import jwt
import pytest

from m2m_tui.tokens.decoded import (
    NotAJwt,
    decode,
    describe_claims,
    describe_time,
    relative,
    scopes_against,
    seconds_left,
)


def token(**claims) -> str:
    return jwt.encode(claims, "secret-key-for-tests-only-32bytes!", algorithm="HS256")


def test_decode_reads_the_token_as_given():
    # Pasted text is cleaned before (tokens/pasted.py), never silently here: what is
    # decoded is what is sent.
    raw = token(sub="a@clients", scope="x y")
    assert decode(raw).scopes == ["x", "y"]
    with pytest.raises(NotAJwt):
        decode(f"Bearer {raw}")


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "no token"),
        ("opaque-reference-123", "opaque"),
        ("a.b.c.d.e", "encrypted JWE"),
        ("a.b", "2 dot-separated"),
        ("!!!.e30.sig", "header is not"),
        ("e30.WzFd.sig", "payload is not a JSON object"),
    ],
)
def test_garbage_is_named(text, words):
    with pytest.raises(NotAJwt, match=words):
        decode(text)


def test_relative_times():
    assert relative(23 * 3600 + 59 * 60 + 5) == "23 h 59 m"
    assert relative(-180) == "3 m"
    assert relative(42) == "42 s"
    assert relative(0) == "0 s"
    # One way everywhere: hours, never days (a 24 h token does not read "1 d" in one
    # place and "23 h 59 m" in another).
    assert relative(86400) == "24 h" and relative(2 * 86400 + 90) == "48 h 1 m"
    now = 1_000_000.0
    assert "expires in 1 h" in describe_time("exp", now + 3600, now)
    assert "expired 3 m ago" in describe_time("exp", now - 180, now)
    assert "clock skew" in describe_time("iat", now + 600, now)
    assert "not a number" in describe_time("exp", "soon", now)


def test_claims_are_explained():
    now = time.time()
    decoded = decode(
        token(
            sub="giftdeliveries@clients",
            gty="client-credentials",
            azp="giftdeliveries",
            exp=now + 60,
            custom=1,
        )
    )
    rows = {r.name: r.meaning for r in describe_claims(decoded, now)}
    assert rows["sub"].startswith("client giftdeliveries — the @clients suffix marks")
    assert "machine-to-machine" in rows["gty"]
    assert "expires in 1 m" in rows["exp"]
    assert rows["custom"] == "a custom or provider-specific claim"
    assert 59 <= seconds_left(decoded, now) <= 60


def test_scopes_against_what_the_api_offers():
    decoded = decode(token(scope="directions extra"))
    rows = scopes_against(decoded, ["directions", "geocode:location"])
    assert [(r.scope, r.granted, r.known) for r in rows] == [
        ("directions", True, True),
        ("geocode:location", False, True),
        ("extra", True, False),
    ]
