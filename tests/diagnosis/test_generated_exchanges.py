"""Proven by generation (#49): token exchanges (RFC 8693) built along every axis a refusal
comes from (the subject token's exp, iss, may_act, act and scope, the audience, the scope
asked, the parameters) go to the bundled authority, and the token-request diagnosis names
the rule it applied: from its `rule` code, and with the code taken away (as another
provider answers), from what the tokens show and, where the Management API shows them,
the token exchange profiles and the acting client's grant."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from m2m_tui.diagnosis.token_request.report import Standing
from m2m_tui.oauth.sent_request import sent_request
from m2m_tui.oauth.token_request import TokenOutcome
from m2m_tui.session.request_diagnosis import diagnose_refusal
from m2m_tui.transcript import Exchange
from oauth_primitives.token_exchange import GRANT_TYPE, TokenType
from oauth_primitives.token_refusals import Refusal
from tests.conftest import claims, signed, start_stack
from tests.helpers.sessions import make_session
from tests.helpers.token_requests import without_code

WMAPI = ("world-mappers-api", "world-mappers-api-local-secret")
ROUTES = "urn:worldmappers:routes"
ACTOR = "world-mappers-api@clients"
# What only the server can know from an exchange: a signature's worth, a revocation.
SERVER_ONLY = {Refusal.SUBJECT_TOKEN_INVALID}
# What the checks here see only through the Management API's profiles and grants.
TENANT_ONLY = {
    Refusal.EXCHANGE_NOT_ALLOWED,
    Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED,
    Refusal.EXCHANGE_SCOPE_WIDENED,
    Refusal.SCOPE_NOT_GRANTED,
    Refusal.NO_CLIENT_GRANT,
}
FOREIGN_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated-exchanges")
    stack = start_stack(folder / "state")
    session = make_session(folder, stack.issuer, stack.api_url)
    yield stack, session
    stack.thread.stop()


def mostly(good, *broken):
    """An axis whose good value comes twice as often as all its flaws together, so that
    examples with one flaw, the authority's later rules' ground, are common."""
    return st.sampled_from([good] * (2 * len(broken)) + list(broken))


cases = st.fixed_dictionaries(
    {
        "exp": mostly("good", "expired"),
        "iss": mostly("ours", "foreign", "forged"),
        "may_act": st.sampled_from([None, ACTOR, "someone-else@clients"]),
        "act": mostly(None, {"sub": "earlier@clients"}, {"act": {"sub": "x"}}),
        "subject_scope": mostly("directions", "geocode:location"),
        # Flaws the rule book's reading finds without the keys: no jti, HS256, not a JWT.
        "subject_form": mostly("good", "no_jti", "symmetric", "garbage"),
        "audience": mostly(ROUTES, "urn:worldmappers", "urn:nowhere"),
        "scope": st.sampled_from([None, "routes:read", "routes:read routes:write"]),
        "client": mostly("wmapi", "gift"),
        "form": mostly("good", "no_type", "saml", "lone_actor_type"),
    }
)


def subject_token(stack, case) -> str:
    now = int(time.time())
    payload = claims(
        stack,
        jti=uuid.uuid4().hex,
        scope=case["subject_scope"],
        exp=now + 600 if case["exp"] == "good" else now - 600,
    )
    for name in ("may_act", "act"):
        if case[name] is not None:
            payload[name] = {"sub": case[name]} if name == "may_act" else case[name]
    form = case.get("subject_form", "good")
    if form == "garbage":
        return "not-a-token"
    if form == "no_jti":
        del payload["jti"]
    if form == "symmetric":
        return jwt.encode(payload, "s" * 32, "HS256", headers={"kid": "shared"})
    if case["iss"] == "ours":
        return signed(stack, payload)
    if case["iss"] == "foreign":
        payload["iss"] = "https://elsewhere.example/"
    # Another key: another issuer's, or a forgery of this one's.
    return jwt.encode(payload, FOREIGN_KEY, "RS256", headers={"kid": "foreign"})


def form_of(stack, case) -> dict:
    client = (
        WMAPI if case["client"] == "wmapi" else ("giftdeliveries", "giftdeliveries-local-secret")
    )
    form = {
        "grant_type": GRANT_TYPE,
        "client_id": client[0],
        "client_secret": client[1],
        "subject_token": subject_token(stack, case),
        "subject_token_type": TokenType.ACCESS_TOKEN.value,
        "audience": case["audience"],
    }
    if case["scope"] is not None:
        form["scope"] = case["scope"]
    if case["form"] == "no_type":
        del form["subject_token_type"]
    elif case["form"] == "saml":
        form["subject_token_type"] = TokenType.SAML2.value
    elif case["form"] == "lone_actor_type":
        form["actor_token_type"] = TokenType.ACCESS_TOKEN.value
    return form


def outcome_of(stack, form: dict) -> TokenOutcome:
    """The exchange sent as any client sends it, and its answer as m2m-tui keeps one."""
    response = httpx.post(stack.token_url, data=form, verify=False, timeout=30)
    body = response.json()
    exchange = Exchange(
        "POST",
        stack.token_url,
        {},
        status=response.status_code,
        response_headers=dict(response.headers),
        response_text=response.text,
    )
    sent = sent_request(stack.token_url, form, {})
    if response.status_code == 200:
        return TokenOutcome(exchange, access_token=body["access_token"], response=body, sent=sent)
    return TokenOutcome(
        exchange,
        response=body,
        error=body.get("error"),
        description=body.get("error_description"),
        sent=sent,
    )


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases)
def test_the_diagnosis_names_the_rule_the_authority_applied_to_an_exchange(world, case):
    stack, session = world
    form = form_of(stack, case)
    outcome = outcome_of(stack, form)
    assert form["subject_token"] not in json.dumps(outcome.sent.to_json())

    async def go():
        told = await diagnose_refusal(session, outcome, issued_too=True)
        untold = None if outcome.ok else await diagnose_refusal(session, without_code(outcome))
        return told, untold

    told, untold = asyncio.run(go())
    if outcome.ok:
        assert told.failed == [], (case, [(c.name, c.detail) for c in told.checks if c.ok is False])
        return
    rule = Refusal(outcome.response["rule"])
    tenant_read = any(c.name == "exchange profile" for c in told.checks)
    # One table on both sides: whatever the client can know, it predicts as the server
    # refuses. Only a signature (a forged token of this issuer's) is the server's alone.
    forged = case["iss"] == "forged" and case["subject_form"] in ("good", "no_jti")
    assert tenant_read, "the session has a management profile for the issuer"
    assert told.cause is rule and told.told_by == "rule"
    # What the table says on what the client knows is what the server said, unless the
    # server stopped at the one thing it alone can judge here: a forged signature.
    foreseeable = told.predicted is rule
    if foreseeable:
        assert told.standing is Standing.AGREE
    else:
        assert forged and rule in SERVER_ONLY, (case, rule, told.to_json()["checks"])
        # The checks found nothing (TOLD), or a later row the server never reached
        # (DISAGREE: an expired forgery, say).
        assert told.standing in (Standing.TOLD, Standing.DISAGREE)
        if told.standing is Standing.TOLD:
            subject = next(c for c in told.checks if c.name == "subject token")
            assert "only the server knows" in subject.detail
    assert told.fix_text, "every named cause comes with its fix"
    if foreseeable:
        assert untold.cause is rule, (case, untold.to_json()["checks"])
