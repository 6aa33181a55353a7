"""The generator of tests/rules against two validators m2m-tui did not write, pointed at
the same issuer: Auth0's Express validator (express-oauth2-jwt-bearer, RS256 as Auth0
configures it) and Authlib's RFC 9068 validator. For every generated token,
`diagnose` reads the server's real answer and must agree with it: never "every check
passes" under a refusal (a bare invalid_token names the strict rules the token
breaks), and never a failure where the server accepted what only some APIs refuse.

Disagreements the generator found, and how each was resolved:
- Authlib refuses tokens without sub, client_id, iat or jti, or with a typ other than
  at+jwt, and says only invalid_token: every check passed. The diagnosis now names the
  strict rules a token breaks as the probable cause (a `strict` check).
- Express refuses ES256 and EdDSA tokens (it is configured for RS256, as Auth0's APIs
  are), where the diagnosis, knowing no metadata, takes every asymmetric algorithm:
  the probable cause names RS256.
- Authlib takes a DPoP-bound token sent as Bearer (it knows no binding): the binding
  check now follows the server, as a warning about this API.
- Express takes a 9 KiB token (Node reads 16 KiB of headers), and base64 padding: the
  size and encoding checks follow the server, as warnings.
- Both refuse a sub that is not a string (a number, an object, an array, a boolean,
  null; RFC 7519 §4.1.2), and every check passed: Express said 'unexpected "sub" claim
  value', Authlib only invalid_token. The rule book now refuses it (not_a_string).
- Authlib refuses a number among aud's values beside the right audience (§4.1.3),
  Express takes it: refused by the rule book, a warning where the API took it.
- Express with a clockTolerance of 120 s takes a token 40 s past exp or before nbf,
  which the diagnosis failed beyond its 5 s: the leeway is now learned from the
  answer (at least 40 s), and the time checks are warnings.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from m2m_tui.diagnosis.dpop_checks import DpopFacts
from m2m_tui.diagnosis.token_checks import Agreement, Expectations, ServerAnswer, run_checks
from oauth_primitives.rules.access_token import Policy
from tests.conftest import WORLDMAPPERS, serve_app
from tests.helpers.rule_agreement import PROFILE
from tests.interop.authlib_api import authlib_api
from tests.interop.conftest import start_express
from tests.rules.conftest import client, issuer  # noqa: F401  (fixtures)
from tests.rules.generator import GOOD, NOT_STRINGS, Shape, build, shapes

# joserfc warns of the 1024-bit key the generator signs with on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:Key size should be")


@pytest.fixture(scope="module")
def validators(issuer, tmp_path_factory) -> Iterator[dict[str, str]]:  # noqa: F811
    with contextlib.ExitStack() as running:  # a failed start stops what came before it
        express = start_express(issuer.url, issuer.url + "jwks", tmp_path_factory.mktemp("express"))
        running.callback(express.proc.stop)
        # The same validator with a clockTolerance of 120 s, which it publishes nowhere.
        lenient = start_express(
            issuer.url, issuer.url + "jwks", tmp_path_factory.mktemp("lenient"), clock_tolerance=120
        )
        running.callback(lenient.proc.stop)
        authlib_url, thread = serve_app(authlib_api(issuer.url, WORLDMAPPERS, issuer.keys.jwks))
        running.callback(thread.stop)
        yield {
            "express": express.url,
            "express-120s": lenient.url,
            "authlib": authlib_url.rstrip("/"),
        }


def diagnose_at(base: str, issuer, client: httpx.Client, token: str):  # noqa: F811
    """As `diagnose` does for an API without metadata: the profile's issuer and audience,
    the call, then the checks beside the server's answer."""
    url = base + "/api/directions"
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    answer = ServerAnswer.from_headers(response.status_code, dict(response.headers), response.text)
    expect = Expectations(Policy(issuer.url, WORLDMAPPERS), "directions")
    sent = DpopFacts("Bearer", None, "GET", url, None, False)
    return response, run_checks(token, expect, issuer.keys.jwks, answer, time.time(), sent)


@pytest.mark.parametrize("validator", ["express", "express-120s", "authlib"])
@settings(settings.get_profile(PROFILE), max_examples=300)
@given(data=st.data())
@example(data=None)
def test_the_diagnosis_follows_each_validators_answer(
    validators,
    issuer,  # noqa: F811
    client,  # noqa: F811
    validator,
    data,
):
    drawn = Shape(**GOOD) if data is None else data.draw(shapes())
    token = build(drawn, issuer.keys, issuer.url, WORLDMAPPERS)
    response, diagnosis = diagnose_at(validators[validator], issuer, client, token)
    failing = [(c.name, c.code, c.detail) for c in diagnosis.checks if c.ok is False]
    if response.status_code < 400:
        assert diagnosis.failed == [], ("accepted, yet the diagnosis fails", failing)
    else:
        assert diagnosis.failed, ("refused, yet every check passes", response.text)
    assert diagnosis.agreement == Agreement.AGREE, (diagnosis.agreement_text, failing)
    event(f"{validator} {response.status_code} {diagnosis.rule}")


def test_a_bare_refusal_names_the_strict_rules_the_token_breaks(validators, issuer, client):  # noqa: F811
    """Authlib's answer says only invalid_token; the token lacks client_id and jti."""
    shape = Shape(**{**GOOD, "rfc9068": frozenset({"sub"})})
    token = build(shape, issuer.keys, issuer.url, WORLDMAPPERS)
    response, diagnosis = diagnose_at(validators["authlib"], issuer, client, token)
    assert response.status_code == 401 and "error_description" not in response.text
    strict = next(c for c in diagnosis.checks if c.name == "strict")
    assert strict.code == "claims_missing" and "client_id, jti" in strict.detail
    assert diagnosis.failed == ["strict"] and diagnosis.agreement == Agreement.AGREE


@pytest.mark.parametrize("changes", [{"exp": "recent"}, {"nbf": "soon"}])
def test_a_validators_larger_leeway_is_learned(validators, issuer, client, changes):  # noqa: F811
    token = build(Shape(**{**GOOD, **changes}), issuer.keys, issuer.url, WORLDMAPPERS)
    refused, _ = diagnose_at(validators["express"], issuer, client, token)
    assert refused.status_code == 401  # 5 s: refused, and the diagnosis says why
    response, diagnosis = diagnose_at(validators["express-120s"], issuer, client, token)
    assert response.status_code == 200 and diagnosis.failed == []
    assert diagnosis.leeway_at_least is not None and 35 < diagnosis.leeway_at_least < 120
    time_check = next(c for c in diagnosis.checks if c.code in ("expired", "not_yet_valid"))
    assert time_check.ok is None and "would refuse it" in time_check.detail


def test_binding_an_api_ignores_becomes_a_warning(validators, issuer, client):  # noqa: F811
    token = build(Shape(**{**GOOD, "bound": True}), issuer.keys, issuer.url, WORLDMAPPERS)
    response, diagnosis = diagnose_at(validators["authlib"], issuer, client, token)
    assert response.status_code == 200 and diagnosis.failed == []
    scheme = next(c for c in diagnosis.checks if c.name == "scheme")
    assert scheme.ok is None and scheme.code == "dpop_bound_as_bearer"
    assert "accepted it all the same" in scheme.detail


@pytest.mark.parametrize("validator", ["express", "authlib"])
@pytest.mark.parametrize("sub", NOT_STRINGS, ids=lambda v: type(v).__name__)
def test_a_sub_that_is_not_a_string_is_named_where_a_validator_refused_it(
    validators,
    issuer,  # noqa: F811
    client,  # noqa: F811
    validator,
    sub,
):
    token = build(Shape(**{**GOOD, "sub": sub}), issuer.keys, issuer.url, WORLDMAPPERS)
    response, diagnosis = diagnose_at(validators[validator], issuer, client, token)
    assert response.status_code == 401
    assert diagnosis.failed == ["sub"] and diagnosis.rule == "not_a_string"
    assert diagnosis.causes == ["subject_not_string"]
    assert diagnosis.agreement == Agreement.AGREE


@pytest.mark.parametrize(("validator", "status"), [("express", 200), ("authlib", 401)])
def test_a_number_among_the_audiences_is_judged_as_each_validator_did(
    validators,
    issuer,  # noqa: F811
    client,  # noqa: F811
    validator,
    status,
):
    token = build(Shape(**{**GOOD, "aud": "number"}), issuer.keys, issuer.url, WORLDMAPPERS)
    response, diagnosis = diagnose_at(validators[validator], issuer, client, token)
    assert response.status_code == status
    aud = next(c for c in diagnosis.checks if c.name == "aud")
    assert aud.code == "not_a_string" and "RFC 7519 §4.1.3" in aud.detail
    assert aud.ok is (None if status == 200 else False)  # a warning where Express took it
    assert diagnosis.agreement == Agreement.AGREE
