"""The diagnosis and the bundled API judge a token by one rule table: for thousands of
generated tokens, what `diagnose` finds on its own (without the server's answer) is what
the API decided: the same verdict, the same RFC 6750 error, the same rule; and the rule
is the table's first finding, run as the API runs it.

Examples are drawn deterministically (derandomize), so CI sees the same ones each run;
HYPOTHESIS_PROFILE=explore draws new ones, many more, for a developer hunting.

Disagreements the generator found, and how each was resolved:
- EdDSA tokens: the API took them, the diagnosis's algorithm list lacked EdDSA. One
  list now (rules.closed_sets.ASYMMETRIC), and the API publishes the ones it takes in its
  metadata (access_token_signing_alg_values_supported), which the diagnosis reads.
- RS384 or ES256 under a key whose JWK says alg RS256, or a key of another type or
  curve: the API refused, the diagnosis verified the signature anyway. rules.keys.
  key_finding is applied by both before any signature.
- crit (an extension, or a claim's name): refused by the API, passed by the diagnosis.
- A token over 8 KiB: refused by the API (its size limit), passed by the diagnosis.
- base64 padding: refused by the API's strict base64url, read by the diagnosis's
  lenient decoder without a word. The format check now reads the token strictly.
- RFC 9068's required claims at a strict API: refused, with no check of the diagnosis
  failing. A `claims` check says which are missing.
- RSA keys under 2048 bits: accepted by the bundled API, refused by Auth0's Express
  validator. Both the API and the diagnosis now refuse them (key_too_small).
- A sub that is not a string (a number, an object, an array, a boolean, null): accepted
  by the API, and by the diagnosis without a word, where PyJWT, Authlib and Express
  refuse it (RFC 7519 §4.1.2). Both now refuse it at the sub row (not_a_string), and a
  number among aud's values beside the right audience (§4.1.3) at the aud row.
"""

from __future__ import annotations

import time
from dataclasses import replace

import httpx
import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from m2m_tui.diagnosis.dpop_checks import DpopFacts
from m2m_tui.diagnosis.token_checks import Agreement, ServerAnswer, run_checks
from oauth_primitives.rules.keys import signing_keys
from oauth_primitives.rules.table import TABLE, Presented, for_policy, run
from tests.conftest import WORLDMAPPERS
from tests.helpers.rule_agreement import PROFILE, assert_agree
from tests.rules.conftest import POLICIES
from tests.rules.generator import GOOD, NOT_STRINGS, Shape, build, shapes


def shape(**changes) -> Shape:
    return Shape(**{**GOOD, **changes})


def judged(api, issuer, client: httpx.Client, token: str):
    """The API's answer, the diagnosis's own verdict on the same token, and the rule
    table's first finding, run as the API runs it (what its metadata says it expects)."""
    url = api.url + "/api/directions"
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    sent = DpopFacts("Bearer", None, "GET", url, None, api.expect.dpop_required)
    now = time.time()
    diagnosis = run_checks(token, api.expect, issuer.keys.jwks, None, now=now, dpop=sent)
    keys = signing_keys(issuer.keys.jwks)
    first = run(Presented(token, api.expect.policy, now, scope="directions", keys=keys))
    return response, diagnosis, first[0] if first else None


# The policies whose every term the API's metadata says: the diagnosis, on its own,
# judges as the API does. (An API's leeway it learns from its answers: below.)
PUBLISHED = sorted(p for p in POLICIES if p != "leeway")


@pytest.mark.parametrize("policy", PUBLISHED)
@settings(settings.get_profile(PROFILE))
@given(data=st.data())
@example(data=None)  # the good token, at each policy
def test_the_diagnosis_names_the_rule_the_api_refused_for(apis, issuer, client, policy, data):
    api = apis[policy]
    drawn = shape() if data is None else data.draw(shapes(issuer.keys))
    token = build(drawn, issuer.keys, issuer.url, WORLDMAPPERS)
    response, diagnosis, first = judged(api, issuer, client, token)
    event(f"{response.status_code} {assert_agree(response, diagnosis, first)}")


def follows_the_answer(api, issuer, client: httpx.Client, drawn: Shape):
    """The API's leeway is 120 s, and nothing it publishes says so: beside its answer,
    the diagnosis never fails a time its leeway took (accepted, or gone past to refuse
    for a later rule), and learns the leeway the API must allow. What was learned."""
    token = build(drawn, issuer.keys, issuer.url, WORLDMAPPERS)
    url = api.url + "/api/directions"
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    answer = ServerAnswer.from_headers(response.status_code, dict(response.headers), response.text)
    sent = DpopFacts("Bearer", None, "GET", url, None, False)
    diagnosis = run_checks(token, api.expect, issuer.keys.jwks, answer, dpop=sent)
    rule = assert_agree(response, diagnosis)
    assert diagnosis.agreement == Agreement.AGREE, diagnosis.agreement_text
    taken = [c for c in diagnosis.checks if c.ok is None and c.code in ("expired", "not_yet_valid")]
    for check in taken:  # a time the API's leeway took: a warning, with what was learned
        assert "its leeway is at least" in check.detail, check.detail
        assert diagnosis.leeway_at_least is not None and 30 < diagnosis.leeway_at_least < 120
    return response.status_code, rule, diagnosis.leeway_at_least


@settings(settings.get_profile(PROFILE))
@given(data=st.data())
def test_an_api_with_another_leeway_is_followed_by_its_answers(apis, issuer, client, data):
    status, rule, learned = follows_the_answer(
        apis["leeway"], issuer, client, data.draw(shapes(issuer.keys))
    )
    event(f"{status} {rule} learned={learned is not None}")


@pytest.mark.parametrize(
    ("changes", "status", "rule", "learned"),
    [
        ({}, 200, None, False),
        ({"exp": "recent"}, 200, None, True),  # expired 40 s ago: past 5 s, within 120 s
        ({"nbf": "soon"}, 200, None, True),
        ({"exp": "recent", "scope": "other"}, 403, "scope_missing", True),  # gone past exp
        ({"exp": "past"}, 401, "expired", False),  # an hour: beyond 120 s too
        ({"exp": "missing"}, 401, "exp_missing", False),
    ],
)
def test_what_the_leeway_api_answered_is_followed(
    apis, issuer, client, changes, status, rule, learned
):
    got = follows_the_answer(apis["leeway"], issuer, client, shape(**changes))
    assert got[:2] == (status, rule) and (got[2] is not None) is learned


# A server whose policy is fixed runs the table less the rows that can find nothing
# under it (for_policy): at each policy, on every generated token, the same findings.
@pytest.mark.parametrize("policy", [*sorted(POLICIES), "organizations", "dpop"])
@settings(settings.get_profile(PROFILE))
@given(data=st.data())
@example(data=None)
def test_a_fixed_policy_drops_only_rows_that_could_find_nothing(apis, issuer, policy, data):
    base = apis["shipped"].expect.policy
    expect = {
        "organizations": replace(base, organizations=("org_a",)),
        "dpop": replace(base, dpop_required=True),
    }.get(policy) or apis[policy].expect.policy
    drawn = shape() if data is None else data.draw(shapes(issuer.keys))
    token = build(drawn, issuer.keys, issuer.url, WORLDMAPPERS)
    keys, now = signing_keys(issuer.keys.jwks), time.time()
    pruned = for_policy(TABLE, expect)
    assert len(pruned) < len(TABLE)  # something is dropped at every policy here
    for every in (False, True):
        full = run(Presented(token, expect, now, scope="directions", keys=keys), TABLE, every)
        fixed = run(Presented(token, expect, now, scope="directions", keys=keys), pruned, every)
        assert fixed == full


# Each class of disagreement found before the rule book, at the open policy (every
# asymmetric algorithm accepted), by the rule both must name.
CLASSES = {
    "EdDSA": (shape(alg="EdDSA", key="ed25519"), None),
    "ES512 under a P-384 key": (shape(alg="ES512", key="ec-p384"), "key_type_mismatch"),
    "RS384 under an RS256 JWK": (shape(alg="RS384", key="rsa-rs256"), "key_alg_mismatch"),
    "ES256 under an RSA key": (shape(alg="ES256", key="rsa"), "key_type_mismatch"),
    "crit naming an extension": (shape(crit=("urn:example:ext",)), "crit_not_understood"),
    "crit naming a claim": (shape(crit=("exp",)), "crit_not_understood"),
    "9 KiB": (shape(big=True), "too_large"),
    "1024-bit RSA": (shape(key="rsa-1024"), "key_too_small"),
    "padding": (shape(padded=True), "bad_encoding"),
    "DPoP-bound, sent as Bearer": (shape(bound=True), "dpop_bound_as_bearer"),
    "a number among aud's values": (shape(aud="number"), "not_a_string"),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_found_by_the_generator_is_agreed_on(apis, issuer, client, name):
    drawn, rule = CLASSES[name]
    token = build(drawn, issuer.keys, issuer.url, WORLDMAPPERS)
    response, diagnosis, first = judged(apis["open"], issuer, client, token)
    assert assert_agree(response, diagnosis, first) == rule
    assert response.status_code == (200 if rule is None else 401)


def test_rfc9068_claims_at_a_strict_api(apis, issuer, client):
    token = build(shape(rfc9068=frozenset({"sub"})), issuer.keys, issuer.url, WORLDMAPPERS)
    response, diagnosis, first = judged(apis["strict"], issuer, client, token)
    assert assert_agree(response, diagnosis, first) == "claims_missing"
    claims = next(c for c in diagnosis.checks if c.name == "claims")
    assert "client_id" in claims.detail and "jti" in claims.detail


@pytest.mark.parametrize(
    ("tier", "rule"), [("gold", None), (None, "claim_required"), ("silver", "claim_value")]
)
def test_a_required_claim_is_judged_alike(apis, issuer, client, tier, rule):
    """The claim an Action adds, at an API that requires it (serve --require-claim)."""
    token = build(shape(tier=tier), issuer.keys, issuer.url, WORLDMAPPERS)
    response, diagnosis, first = judged(apis["claims"], issuer, client, token)
    assert assert_agree(response, diagnosis, first) == rule


@pytest.mark.parametrize("policy", ["shipped", "strict"])
@pytest.mark.parametrize("sub", NOT_STRINGS, ids=lambda v: type(v).__name__)
def test_a_sub_that_is_not_a_string_is_refused_and_named(apis, issuer, client, policy, sub):
    """At the API as shipped and at a strict one: refused for its sub, whatever else the
    token holds, and the diagnosis names the issuer's bug."""
    token = build(shape(sub=sub), issuer.keys, issuer.url, WORLDMAPPERS)
    response, diagnosis, first = judged(apis[policy], issuer, client, token)
    assert assert_agree(response, diagnosis, first) == "not_a_string"
    assert response.status_code == 401
    assert "the sub claim must be a string" in response.json()["error_description"]
    check = next(c for c in diagnosis.checks if c.name == "sub")
    assert diagnosis.failed == ["sub"] and check.cause == "subject_not_string"
    assert "RFC 7519 §4.1.2" in check.detail and "str(user.id)" in check.fix
