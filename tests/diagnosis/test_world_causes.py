"""The causes of issue #48's second round, judged by the core alone (`run_checks` on a
token and what the API expects): each kind in several of the shapes the world makes it,
and the near misses that must not be taken for it."""

from __future__ import annotations

import pytest

from m2m_tui.diagnosis.check import Expectations
from m2m_tui.diagnosis.token_checks import run_checks
from m2m_tui.tokens.decoded import DecodedToken
from oauth_primitives.rules.access_token import Policy

NOW = 1_765_000_000.0


def unsigned(payload: dict, **header) -> DecodedToken:
    """A token's parts as the checks read them (no key: the signature is not judged)."""
    return DecodedToken("h.p.s", {"alg": "RS256", "kid": "k1", **header}, payload, b"")


def check_of(payload: dict, name: str, scope: str | None = "directions", **terms):
    expect = Expectations(Policy(None, None, **terms), scope)
    checks = run_checks(unsigned(payload), expect, None, now=NOW).checks
    return next(c for c in checks if c.name == name)


@pytest.mark.parametrize(
    "scope",
    [
        "directions,geocode:location",
        "geocode:location ,directions",
        "openid;directions",
        "directions+geocode:location",
        "geocode:location%20directions",
        "geocode:location%2Cdirections",
    ],
)
def test_scopes_joined_by_other_than_spaces(scope):
    check = check_of({"scope": scope, "exp": NOW + 60}, "scope")
    assert check.ok is False and check.cause == "scope_separator", check
    assert "RFC 6749 §3.3" in check.detail and "by spaces" in check.fix


@pytest.mark.parametrize(
    ("scope", "ok"),
    [
        ("geocode:location,reverse-geocode:location", False),  # joined, without the scope
        ("directions geocode:location,x", True),  # held, space-separated: the API takes it
        ("geocode:location", False),
    ],
)
def test_a_scope_missing_for_another_reason_is_not_a_separator(scope, ok):
    check = check_of({"scope": scope, "exp": NOW + 60}, "scope")
    assert check.ok is ok and check.cause == "", check
    if not ok:
        assert check.fix.startswith("Grant `directions`"), check.fix


def times(iat: float, lifetime: float = 3600, **more) -> dict:
    return {"iat": iat, "exp": iat + lifetime, "scope": "directions", **more}


# Issuers that stamp milliseconds: `Date.now()` for iat and exp, or for iat alone beside a
# right exp, or microseconds (`time.time_ns() // 1000`), and nbf too.
MILLISECONDS = [
    ("iat", {"iat": NOW * 1000, "exp": NOW * 1000 + 3_600_000}),
    ("iat", {"iat": NOW * 1000, "exp": NOW + 3600}),
    ("iat", {"iat": (NOW - 30) * 1000, "exp": NOW + 86400}),
    ("iat", {"iat": NOW * 1_000_000, "exp": NOW + 3600}),
    ("nbf", {"iat": NOW, "nbf": NOW * 1000, "exp": NOW + 3600}),
]


@pytest.mark.parametrize(("claim", "payload"), MILLISECONDS)
def test_times_in_milliseconds_are_the_issuers_bug(claim, payload):
    check = check_of({**payload, "scope": "directions"}, claim)
    assert check.ok is False and check.cause == "time_in_milliseconds", check
    assert "seconds" in check.detail and "clock skew" in check.detail  # "not clock skew"
    assert "NTP" not in check.fix and "Date.now() / 1000" in check.fix


def test_an_exp_in_milliseconds_alone_is_a_warning_that_it_never_expires():
    check = check_of({"iat": NOW, "exp": (NOW + 3600) * 1000}, "exp")
    assert check.ok is None and check.cause == "time_in_milliseconds"
    assert "never expires" in check.detail


# A fresh token stamped a whole number of hours (or half hours) off UTC: used a few
# seconds to a minute after issue, with the lifetimes issuers give (5 min to 24 h).
BEHIND = [(-3600, 600, 20), (-3600, 3000, 5), (-7200, 3600, 45), (-5 * 3600, 3600, 0)]
BEHIND += [(-4.5 * 3600, 3600, 30), (-10 * 3600, 7200, 10)]
AHEAD = [(3600, 3600, 10), (2 * 3600, 86400, 0), (5.5 * 3600, 3600, 60), (9 * 3600, 300, 3)]


@pytest.mark.parametrize(("offset", "lifetime", "used_after"), BEHIND)
def test_a_fresh_token_stamped_hours_behind_is_a_zone_bug(offset, lifetime, used_after):
    check = check_of(times(NOW + offset - used_after, lifetime), "exp")
    assert check.ok is False and check.cause == "time_zone_offset", check
    assert "behind UTC" in check.detail and "new token will be off" in check.detail
    assert "Request a new token" not in check.fix


@pytest.mark.parametrize(("offset", "lifetime", "used_after"), AHEAD)
def test_a_fresh_token_stamped_hours_ahead_is_a_zone_bug(offset, lifetime, used_after):
    check = check_of(times(NOW + offset - used_after, lifetime), "iat")
    assert check.ok is False and check.cause == "time_zone_offset", check
    assert "ahead of UTC" in check.detail and "NTP" not in check.fix


@pytest.mark.parametrize(
    ("iat", "lifetime", "name", "cause"),
    [
        (NOW - 5000, 3600, "exp", ""),  # simply old: 1 h 23 m, no whole hour
        (NOW - 3600 - 400, 3600, "exp", ""),  # an hour and a bit: not within a minute
        (NOW + 40, 3600, "iat", "clock_skew"),  # seconds ahead: skew
        (NOW + 600, 3600, "iat", "clock_skew"),
    ],
)
def test_near_misses_are_not_taken_for_a_zone(iat, lifetime, name, cause):
    check = check_of(times(iat, lifetime), name)
    assert check.ok is False and check.cause == cause, check
