"""An API's refusal of a delegated token (RFC 8693) explained as someone who has met it
would: a forwarded token, an actor the API does not accept, a wrong audience on a token
that carries act, a scope the exchange narrowed away; each with the exchange that fixes
it (`m2m-tui exchange --as … --audience …`)."""

from __future__ import annotations

import base64
import json

from m2m_tui.diagnosis.check import Expectations
from m2m_tui.diagnosis.token_checks import run_checks
from oauth_primitives.rules import Code
from oauth_primitives.rules.access_token import Policy

ISSUER, ROUTES = "https://i/", "urn:worldmappers:routes"
ACTOR = "world-mappers-api@clients"
ROUTES_API = Expectations(
    Policy(ISSUER, ROUTES, accepted_actors=(ACTOR,), require_actor=True), scope="routes:read"
)


def token(**claims) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    body = {"iss": ISSUER, "aud": ROUTES, "sub": "giftdeliveries@clients", "exp": 2000}
    body.update({"scope": "routes:read", **claims})
    return f"{part({'alg': 'RS256', 'kid': 'k'})}.{part(body)}.c2ln"


def check(name: str, raw: str, expect: Expectations = ROUTES_API):
    return next(c for c in run_checks(raw, expect, None, now=1000.0).checks if c.name == name)


def test_a_forwarded_token_is_named_and_exchanging_it_is_the_fix():
    # World Mappers forwards Gift Deliveries' token: another audience, and no act.
    aud = check("aud", token(aud="urn:worldmappers", scope="directions"))
    assert aud.ok is False and aud.code == Code.AUD_MISMATCH
    assert f"Exchange it for {ROUTES}" in aud.fix
    assert f"m2m-tui exchange --as <the acting client's profile> --audience {ROUTES}" in aud.fix
    # The audience right, the act missing: still a forwarded token, never exchanged.
    actor = check("actor", token())
    assert actor.code == Code.ACTOR_MISSING
    assert "giftdeliveries@clients" in actor.detail
    assert "instead of forwarding it" in actor.fix and f"--audience {ROUTES}" in actor.fix


def test_an_actor_the_api_does_not_accept_names_who_acts_and_who_may():
    chain = {"sub": "someone-else@clients", "act": {"sub": "first@clients"}}
    actor = check("actor", token(act=chain))
    assert actor.code == Code.ACTOR_NOT_ACCEPTED
    assert "someone-else@clients acts on behalf of giftdeliveries@clients" in actor.detail
    assert "before it: first@clients" in actor.detail
    assert ACTOR in actor.detail
    assert "m2m-tui exchange --as world-mappers-api" in actor.fix


def test_a_delegated_token_for_another_audience_is_to_be_exchanged_again():
    plain_api = Expectations(Policy(ISSUER, "urn:other"), scope=None)
    aud = check("aud", token(act={"sub": ACTOR}), plain_api)
    assert aud.ok is False and "Exchange it for urn:other" in aud.fix
    assert f"exchanged for {ROUTES}" in aud.fix
    # A token that never was exchanged, at an API with no actor rules: the usual words.
    assert "Exchange" not in check("aud", token(), plain_api).fix


def test_a_scope_narrowed_away_by_the_exchange():
    scope = check("scope", token(act={"sub": ACTOR}, scope=""))
    assert scope.ok is False and scope.code == Code.SCOPE_MISSING
    assert "issued by exchange to world-mappers-api@clients" in scope.detail
    assert "scope_map" in scope.fix and "only narrows" in scope.fix
    assert "grant world-mappers-api (the acting client) routes:read on " + ROUTES in scope.fix
    # At an API that takes only exchanged tokens, a token with no act is to be exchanged:
    # its missing scope is never a grant to the caller's client.
    forwarded = check("scope", token(scope="directions"))
    assert forwarded.ok is False and "Grant `routes:read` to" not in forwarded.fix
    assert forwarded.fix.startswith(f"Exchange the caller's token for {ROUTES}")
    # An undelegated token's missing scope keeps its own fix.
    plain = check("scope", token(scope=""), Expectations(Policy(ISSUER, ROUTES), "routes:read"))
    assert "scope_map" not in plain.fix
