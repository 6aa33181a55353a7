"""Verdicts the server did not give (issue #48): once an API's answer is known, a rule it
evidently did not apply is a warning ("other validators would refuse this"), never a
failure; and its clock leeway is learned from its answers, not assumed to be 5 s."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from m2m_tui.diagnosis.check import Expectations
from m2m_tui.diagnosis.report import Agreement
from m2m_tui.diagnosis.token_checks import ServerAnswer, run_checks
from m2m_tui.tokens.decoded import DecodedToken
from oauth_primitives.rules.access_token import Policy

NOW = 1_765_000_000.0


def answered(status: int, rule: str | None = None) -> ServerAnswer:
    """An answer dated NOW by the server's clock; a refusal naming its rule as the
    bundled API does."""
    body = f'{{"error": "invalid_token", "rule": "{rule}"}}' if rule else "[]"
    headers = {"Date": formatdate(NOW, usegmt=True)}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    if status == 403:
        headers["WWW-Authenticate"] = 'Bearer error="insufficient_scope"'
    return ServerAnswer.from_headers(status, headers, body)


def diagnosed(payload: dict, server: ServerAnswer | None):
    """The checks beside `server`'s answer (None: no answer, judged at NOW); a claim
    given as None is left out."""
    claims = {"iat": NOW - 60, "scope": "directions", **payload}
    claims = {k: v for k, v in claims.items() if v is not None}
    token = DecodedToken("h.p.s", {"alg": "RS256", "kid": "k1"}, claims, b"")
    expect = Expectations(Policy(None, None), "directions")
    diagnosis = run_checks(token, expect, None, server, now=NOW)
    return diagnosis, {c.name: c for c in diagnosis.checks}


@pytest.mark.parametrize("late", [7, 59, 3600])
def test_an_expired_token_an_api_accepted_is_a_warning_with_the_leeway_learned(late):
    # "expired 7 s ago, beyond the 5 s leeway" at a server with a 60 s leeway; and a
    # server that takes a token an hour late, whatever its reason.
    diagnosis, checks = diagnosed({"exp": NOW - late}, answered(200))
    exp = checks["exp"]
    assert exp.ok is None and exp.code == "expired" and diagnosis.failed == []
    assert diagnosis.leeway_at_least == late
    assert "this API accepted it all the same, so its leeway is at least" in exp.detail
    assert "would refuse it" in exp.detail
    assert diagnosis.agreement == Agreement.AGREE
    assert diagnosis.to_json()["leeway_at_least"] == late


def test_a_token_not_valid_yet_an_api_accepted_teaches_its_leeway():
    diagnosis, checks = diagnosed({"exp": NOW + 600, "nbf": NOW + 30}, answered(200))
    assert checks["nbf"].ok is None and diagnosis.failed == []
    assert diagnosis.leeway_at_least == 30


def test_no_exp_at_an_api_that_does_not_require_one_is_a_warning():
    diagnosis, checks = diagnosed({"exp": None}, answered(200))
    exp = checks["exp"]
    assert exp.ok is None and exp.code == "exp_missing" and diagnosis.failed == []
    assert "accepted it all the same (it does not apply this rule)" in exp.detail
    assert diagnosis.leeway_at_least is None  # nothing learned of its clock


def test_a_refusal_for_a_later_rule_shows_the_api_went_past_the_time():
    # The bundled API names the first rule it met: a scope refusal means it took exp.
    diagnosis, checks = diagnosed(
        {"exp": NOW - 20, "scope": "other"}, answered(403, "scope_missing")
    )
    assert checks["exp"].ok is None and "went past it" in checks["exp"].detail
    assert diagnosis.failed == ["scope"] and diagnosis.rule == "scope_missing"
    assert diagnosis.leeway_at_least == 20


@pytest.mark.parametrize("server", [answered(401, "expired"), None])
def test_without_an_acceptance_an_expired_token_still_fails(server):
    # Refused for its expiry, or no answer at all: nothing shows a larger leeway.
    diagnosis, checks = diagnosed({"exp": NOW - 7}, server)
    assert checks["exp"].ok is False and "beyond the 5 s leeway" in checks["exp"].detail
    assert diagnosis.leeway_at_least is None
