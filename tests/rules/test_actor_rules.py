"""The actor row (RFC 8693 §4.1): an API that serves calls made on a caller's behalf
refuses a token with no act, one whose current actor it does not accept, and a
malformed chain; an API with no actor rules reads no act at all."""

from __future__ import annotations

import base64
import json

import pytest

from m2m_tui.diagnosis.check import Expectations
from m2m_tui.diagnosis.token_checks import run_checks
from oauth_primitives.rules import Code
from oauth_primitives.rules.access_token import Policy
from oauth_primitives.rules.table import TABLE, Presented, for_policy, run

ISSUER, ROUTES = "https://i/", "urn:worldmappers:routes"
ACTOR = "world-mappers-api@clients"
ROUTES_POLICY = Policy(ISSUER, ROUTES, accepted_actors=(ACTOR,), require_actor=True)


def _token(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'kid': 'k'})}.{part(claims)}.c2ln"


def _claims(**extra) -> dict:
    return {
        "iss": ISSUER,
        "aud": ROUTES,
        "sub": "giftdeliveries@clients",
        "exp": 2000,
        "scope": "routes:read",
        **extra,
    }


def _first(claims: dict, policy: Policy = ROUTES_POLICY):
    found = run(Presented(_token(claims), policy, 1000.0, scope="routes:read"))
    return found[0] if found else None


@pytest.mark.parametrize(
    ("act", "code"),
    [
        (None, Code.ACTOR_MISSING),
        ({"sub": "someone-else@clients"}, Code.ACTOR_NOT_ACCEPTED),
        ("world-mappers-api@clients", Code.ACT_MALFORMED),
        ({"client": ACTOR}, Code.ACT_MALFORMED),
        ({"sub": ACTOR, "act": {"sub": 7}}, Code.ACT_MALFORMED),
    ],
)
def test_the_routes_policy_refuses_what_is_not_a_call_on_a_callers_behalf(act, code):
    claims = _claims() if act is None else _claims(act=act)
    finding = _first(claims)
    assert finding is not None and finding.code == code
    assert finding.status == 401 and finding.error == "invalid_token"
    assert '"' not in finding.describe()


def test_the_current_actor_is_judged_and_the_prior_ones_are_not():
    chain = {"sub": ACTOR, "act": {"sub": "anyone-earlier@clients"}}
    assert _first(_claims(act=chain)) is None
    wrong_first = {"sub": "anyone-earlier@clients", "act": {"sub": ACTOR}}
    assert _first(_claims(act=wrong_first)).code == Code.ACTOR_NOT_ACCEPTED


def test_any_actor_when_none_is_listed_and_no_act_when_none_is_required():
    any_actor = Policy(ISSUER, ROUTES, require_actor=True)
    assert _first(_claims(act={"sub": "whoever@clients"}), any_actor) is None
    listed_only = Policy(ISSUER, ROUTES, accepted_actors=(ACTOR,))
    assert _first(_claims(), listed_only) is None


def test_an_api_without_actor_rules_drops_the_row_and_reads_no_act():
    plain = Policy(ISSUER, ROUTES)
    assert "actor" not in [row.name for row in for_policy(TABLE, plain)]
    # The same answer from the whole table: the diagnosis agrees with the API.
    assert _first(_claims(act="not a chain"), plain) is None
    assert "actor" in [row.name for row in for_policy(TABLE, ROUTES_POLICY)]


def test_the_wrong_audience_is_still_aud_mismatch_before_the_actor():
    assert _first(_claims(aud="urn:worldmappers")).code == Code.AUD_MISMATCH


def test_the_diagnosis_explains_each_actor_refusal_with_its_fix():
    expect = Expectations(ROUTES_POLICY, scope="routes:read")
    diagnosis = run_checks(_token(_claims()), expect, None, now=1000.0)
    actor = next(c for c in diagnosis.checks if c.name == "actor")
    assert actor.ok is False and actor.code == Code.ACTOR_MISSING
    assert "exchange" in actor.fix
    chain = {"sub": ACTOR, "act": {"sub": "earlier@clients"}}
    diagnosis = run_checks(_token(_claims(act=chain)), expect, None, now=1000.0)
    actor = next(c for c in diagnosis.checks if c.name == "actor")
    assert actor.ok is True and ACTOR in actor.detail


def test_the_metadata_carries_the_actor_rules_to_the_diagnosis():
    meta = {"accepted_actors": [ACTOR, 3], "require_actor": True}
    expect = Expectations.from_metadata(meta, ISSUER, ROUTES, "routes:read")
    assert expect.policy.accepted_actors == (ACTOR,) and expect.policy.require_actor
