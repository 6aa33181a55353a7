"""A refused token exchange (RFC 8693), checked from what was sent: each way an exchange
goes wrong is named with the bundled authority's code, its fix in words, and, where the
tenant's token exchange profile is what refuses, the profile `f` edits. The tokens are
decoded for the report, never carried whole into its output."""

from __future__ import annotations

import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from m2m_tui.diagnosis.token_request.exchange_checks import ExchangeTenant, exchange_checks
from m2m_tui.diagnosis.token_request.report import FixKind, Standing, diagnose_request
from m2m_tui.oauth.sent_request import sent_request
from m2m_tui.oauth.token_request import TokenOutcome
from m2m_tui.transcript import Exchange, mask_fields
from oauth_primitives.token_exchange import GRANT_TYPE, TokenType
from oauth_primitives.token_refusals import Refusal

ISSUER = "http://127.0.0.1:7000/"
ROUTES = "urn:worldmappers:routes"
ACTING = "world-mappers-api"
PROFILE = {
    "id": "tep_routes",
    "name": "Routes on behalf",
    "subject_token_type": TokenType.ACCESS_TOKEN.value,
    "client_ids": [ACTING],
    "audiences": [ROUTES],
    "scope_map": {"routes:read": ["directions"]},
    "trusted_issuers": [{"issuer": "https://partner.example/", "jwks": {"keys": []}}],
}
TENANT = ExchangeTenant((PROFILE,), granted=("routes:read",))
# The subject tokens are read as the authority reads them (its algorithms, a kid, a jti
# for revocation): signed as an issuer signs, with a key the diagnosis never holds.
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def subject(**claims) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "sub": "gift-deliveries@clients",
        "aud": "urn:worldmappers",
        "scope": "directions",
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, KEY, "RS256", headers={"kid": "k1"})


def sent(subject_token: str | None = None, **form):
    fields = {
        "grant_type": GRANT_TYPE,
        "client_id": ACTING,
        "client_secret": "s3cret",
        "subject_token": subject_token or subject(),
        "subject_token_type": TokenType.ACCESS_TOKEN.value,
        "audience": ROUTES,
        "scope": "routes:read",
        **form,
    }
    fields = {k: v for k, v in fields.items() if v is not None}
    return sent_request(ISSUER + "oauth/token", fields, {})


def failed(request, tenant=TENANT, server_time=None):
    checks = exchange_checks(request, {"issuer": ISSUER}, server_time, tenant)
    return next((c for c in checks if c.ok is False), None)


def test_a_good_exchange_passes_every_check():
    checks = exchange_checks(sent(), {"issuer": ISSUER}, None, TENANT)
    assert [c.name for c in checks if c.ok is False] == []
    scope = next(c for c in checks if c.name == "exchange scope")
    assert "would carry routes:read" in scope.detail  # directions maps to it


def test_the_tokens_are_decoded_never_kept_whole_in_the_report():
    token = subject()
    request = sent(token)
    out = json.dumps(request.to_json())
    assert token not in out and token.split(".")[2] not in out
    assert request.to_json()["subject_token"]["claims"]["sub"] == "gift-deliveries@clients"
    assert request.asked["subject_token_type"] == TokenType.ACCESS_TOKEN
    masked = mask_fields({"subject_token": token, "actor_token": token})
    assert token not in json.dumps(masked)


def test_missing_parameters_and_unsupported_types():
    assert failed(sent(subject_token_type=None)).refusal is Refusal.EXCHANGE_PARAMETER_MISSING
    lone_actor = sent(actor_token=subject(sub="someone"))
    assert failed(lone_actor).refusal is Refusal.EXCHANGE_PARAMETER_MISSING
    assert "actor_token_type" in failed(lone_actor).fix
    saml = sent(subject_token_type=TokenType.SAML2.value)
    assert failed(saml, tenant=None).refusal is Refusal.EXCHANGE_TOKEN_TYPE_UNSUPPORTED


def test_an_expired_subject_token_by_the_servers_clock():
    request = sent(subject(exp=int(time.time()) + 60))
    assert failed(request) is None  # by this machine's clock, good for a minute
    later = failed(request, server_time=time.time() + 300)  # the server's Date says not
    assert later.refusal is Refusal.SUBJECT_TOKEN_EXPIRED
    assert "fresh subject token" in later.fix


def test_an_untrusted_issuer_and_one_a_profile_trusts():
    stranger = failed(sent(subject(iss="https://elsewhere.example/")))
    assert stranger.refusal is Refusal.SUBJECT_TOKEN_UNTRUSTED
    assert "https://partner.example/" in stranger.detail  # the issuers it trusts, listed
    assert failed(sent(subject(iss="https://partner.example/", sub="robot"))) is None
    # Its subject may not be in this tenant's client namespace, as the authority refuses.
    posing = failed(sent(subject(iss="https://partner.example/")))
    assert posing.refusal is Refusal.SUBJECT_TOKEN_INVALID
    assert "may not name one of this tenant's clients" in posing.detail


def test_a_management_api_token_is_not_exchanged():
    check = failed(sent(subject(aud=ISSUER.rstrip("/") + "/api/v2/")))
    assert check.refusal is Refusal.SUBJECT_TOKEN_INVALID
    assert "a Management API token is not exchanged" in check.detail


def test_an_audience_the_profile_does_not_list_names_the_profile_to_widen():
    check = failed(sent(audience="urn:worldmappers"))
    assert check.refusal is Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED
    assert "Routes on behalf" in check.fix


def test_a_client_no_profile_lets_exchange():
    check = failed(sent(client_id="gift-deliveries"))
    assert check.refusal is Refusal.EXCHANGE_NOT_ALLOWED
    assert "PATCH /api/v2/token-exchange-profiles/tep_routes" in check.fix


def test_scopes_only_narrow():
    check = failed(sent(subject(scope="geocode:location")))
    assert check.refusal is Refusal.EXCHANGE_SCOPE_WIDENED
    assert "fewer scopes" in check.fix
    ungranted = ExchangeTenant((PROFILE,), granted=())
    assert failed(sent(), tenant=ungranted).refusal is Refusal.SCOPE_NOT_GRANTED
    no_grant = ExchangeTenant((PROFILE,), granted=None)
    assert failed(sent(), tenant=no_grant).refusal is Refusal.NO_CLIENT_GRANT
    # Without the tenant, a scope the subject token lacks is a warning: a scope_map may map it.
    checks = exchange_checks(sent(subject(scope="x")), {"issuer": ISSUER}, None, None)
    assert next(c for c in checks if c.name == "exchange scope").ok is None


def test_may_act_must_name_the_actor():
    named = subject(may_act={"sub": "someone-else@clients"})
    check = failed(sent(named))
    assert check.refusal is Refusal.MAY_ACT_MISMATCH
    assert "world-mappers-api@clients" in check.detail
    assert failed(sent(subject(may_act={"sub": "world-mappers-api@clients"}))) is None
    # With an actor token, its sub is the actor; and it must be the acting client's own,
    # as the authority refuses another's (its sub would name someone who did not act).
    own = subject(sub="world-mappers-api@clients", may_act=None)
    mine = subject(may_act={"sub": "world-mappers-api@clients"})
    access = TokenType.ACCESS_TOKEN.value
    assert failed(sent(mine, actor_token=own, actor_token_type=access)) is None
    borrowed = sent(named, actor_token=subject(sub="someone-else@clients"), actor_token_type=access)
    check = failed(borrowed)
    assert check.refusal is Refusal.ACTOR_TOKEN_INVALID
    assert "not to the acting client world-mappers-api" in check.detail


def test_a_malformed_act_chain():
    check = failed(sent(subject(act={"act": {"sub": "x"}})))
    assert check.refusal is Refusal.ACT_CHAIN_INVALID
    deep = {"sub": "a"}
    for i in range(9):
        deep = {"sub": f"a{i}", "act": deep}
    assert failed(sent(subject(act=deep))).refusal is Refusal.ACT_CHAIN_INVALID


def test_an_actor_token_that_fails_the_subjects_checks():
    request = sent(actor_token="not-a-jwt", actor_token_type=TokenType.ACCESS_TOKEN.value)
    assert failed(request).refusal is Refusal.ACTOR_TOKEN_INVALID


def _refused(request, rule: str | None, error: str, status: int = 400) -> TokenOutcome:
    body = {"error": error, "error_description": "refused", **({"rule": rule} if rule else {})}
    exchange = Exchange(
        "POST",
        request.url,
        {},
        status=status,
        response_headers={"content-type": "application/json"},
        response_text=json.dumps(body),
    )
    return TokenOutcome(exchange, error=error, description="refused", response=body, sent=request)


def test_the_report_sets_the_checks_beside_the_servers_rule_with_fs_fix():
    request = sent(audience="urn:worldmappers")
    outcome = _refused(request, "exchange_audience_not_allowed", "invalid_target")
    found = diagnose_request(outcome, {"issuer": ISSUER}, exchange=TENANT)
    assert found.cause is Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED
    assert found.standing is Standing.AGREE
    assert found.fix.kind is FixKind.PROFILE_AUDIENCE and found.fix.target == "tep_routes"
    assert (
        found.fix.offer()
        == "add urn:worldmappers to token exchange profile Routes on behalf's audiences"
    )
    # Another provider's answer: RFC 8693's invalid_target says it, and the checks agree.
    untold = diagnose_request(
        _refused(request, None, "invalid_target"), {"issuer": ISSUER}, exchange=TENANT
    )
    assert untold.cause is Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED
    assert untold.told_by == "words" and untold.standing is Standing.AGREE
    # A bare 400 that names nothing: found by the checks.
    bare = diagnose_request(
        _refused(sent(subject(scope="x")), None, "invalid_request"),
        {"issuer": ISSUER},
        exchange=TENANT,
    )
    assert bare.cause is Refusal.EXCHANGE_SCOPE_WIDENED
    assert bare.standing is Standing.PREDICTED and bare.predicted_by == "management_api"


def test_the_report_without_a_tenant_still_names_what_the_tokens_show():
    request = sent(subject(exp=int(time.time()) - 600))
    found = diagnose_request(_refused(request, None, "invalid_request"), {"issuer": ISSUER})
    assert found.cause is Refusal.SUBJECT_TOKEN_EXPIRED and found.fix is None
    assert "fresh subject token" in found.fix_text
    told = diagnose_request(_refused(request, "subject_token_invalid", "invalid_request"), {})
    assert told.cause is Refusal.SUBJECT_TOKEN_INVALID
    assert told.standing is Standing.DISAGREE  # the server's stands; the checks saw expiry
    assert "get a new one" in told.fix_text


# Auth0's own profiles carry none of m2m-tui's client_ids, audiences, scope_map: their
# Action decides, and Auth0's Custom Token Exchange takes its own token type URIs.
AUTH0_PROFILE = {
    "id": "tep_a0",
    "name": "Legacy tokens",
    "subject_token_type": "urn:acme:legacy-token",
    "action_id": "act_123",
    "type": "custom_authentication",
}
AUTH0_TENANT = ExchangeTenant((AUTH0_PROFILE,), granted=None)


def test_an_auth0_profile_leaves_its_policy_to_the_server():
    request = sent("an-opaque-legacy-token", subject_token_type="urn:acme:legacy-token")
    checks = exchange_checks(request, {"issuer": ISSUER}, None, AUTH0_TENANT)
    assert [c for c in checks if c.ok is False] == []  # nothing predicted refused
    by_name = {c.name: c for c in checks}
    assert by_name["token types"].ok is None and "custom type" in by_name["token types"].detail
    policy = by_name["exchange policy"]
    assert policy.ok is None and "Legacy tokens leaves the policy to its Action" in policy.detail
    assert by_name["exchange audience"].ok is None
    assert by_name["subject token"].ok is None  # not read as a JWT of this issuer
    # Told by the server (Auth0 names no rule), the fix never edits the Action's profile.
    outcome = _refused(request, None, "unauthorized_client")
    found = diagnose_request(outcome, {"issuer": ISSUER}, exchange=AUTH0_TENANT)
    assert found.predicted is None and found.fix is None


def test_an_auth0_profile_for_access_tokens_judges_no_policy_row():
    auth0_access = {**AUTH0_PROFILE, "subject_token_type": TokenType.ACCESS_TOKEN.value}
    tenant = ExchangeTenant((auth0_access,), granted=None)
    checks = exchange_checks(sent(client_id="gift-deliveries"), {"issuer": ISSUER}, None, tenant)
    assert [c.refusal for c in checks if c.ok is False] == []


def test_a_custom_token_type_is_refused_only_by_the_bundled_authority():
    request = sent(subject_token_type="urn:acme:legacy-token")
    elsewhere = exchange_checks(request, {"issuer": ISSUER}, None, None)
    assert next(c for c in elsewhere if c.name == "token types").ok is None
    bundled = exchange_checks(request, {"issuer": ISSUER}, None, None, bundled=True)
    assert failed_in(bundled).refusal is Refusal.EXCHANGE_TOKEN_TYPE_UNSUPPORTED
    # The answer's rule says it is the bundled authority: its table is the server's.
    told = diagnose_request(
        _refused(request, "exchange_token_type_unsupported", "invalid_request"),
        {"issuer": ISSUER},
    )
    assert told.standing is Standing.AGREE


def failed_in(checks):
    return next(c for c in checks if c.ok is False)


def test_an_unreadable_subject_token_fails_once():
    checks = exchange_checks(sent("garbage"), {"issuer": ISSUER}, None, TENANT)
    failing = [c for c in checks if c.ok is False]
    assert [c.refusal for c in failing] == [Refusal.SUBJECT_TOKEN_INVALID]
    audience = next(c for c in checks if c.name == "exchange audience")
    assert audience.ok is True and "not among" not in audience.detail


def test_no_empty_lists_in_words_and_no_tick_on_an_empty_outcome():
    no_audience = {**PROFILE, "audiences": []}
    check = failed(sent(), tenant=ExchangeTenant((no_audience,), granted=("routes:read",)))
    assert check.refusal is Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED
    assert "()" not in check.detail and "none)" not in check.detail
    assert "lets world-mappers-api exchange these tokens for any audience" in check.detail
    assert not check.fix.rstrip().endswith("of"), check.fix
    # Nothing refused, yet the token would permit nothing: a warning, in words.
    checks = exchange_checks(
        sent(subject(scope="other"), scope=None), {"issuer": ISSUER}, None, TENANT
    )
    scope = next(c for c in checks if c.name == "exchange scope")
    assert scope.ok is None and "would carry no scope" in scope.detail
    assert "directions" in scope.fix  # what the scope_map maps from


def test_a_fix_that_cannot_work_alone_names_every_step():
    """World Mappers' client asks for urn:worldmappers: the profile does not list it, and
    the client has no grant there. Adding the audience alone would still be refused."""
    request = sent(audience="urn:worldmappers", scope=None)
    no_grant_there = ExchangeTenant((PROFILE,), granted=None)
    outcome = _refused(request, "exchange_audience_not_allowed", "invalid_target")
    found = diagnose_request(outcome, {"issuer": ISSUER}, exchange=no_grant_there)
    assert found.cause is Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED
    assert "add urn:worldmappers to token exchange profile Routes on behalf's audiences" in (
        found.fix_text
    )
    assert "authorize world-mappers-api for urn:worldmappers" in found.fix_text
    offer = found.fix.offer()  # what f says it applies: not silently a part
    assert offer.startswith("add urn:worldmappers to token exchange profile")
    assert "a first step only: then still authorize world-mappers-api for urn:worldmappers" in (
        offer
    )
    # One check failing: one step, said alone.
    alone = diagnose_request(outcome, {"issuer": ISSUER}, exchange=TENANT)
    assert alone.fix.remaining == () and "and also" not in alone.fix_text
