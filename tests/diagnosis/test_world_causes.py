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
