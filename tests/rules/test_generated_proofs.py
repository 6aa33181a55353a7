"""DPoP proofs judged by one rule book: for generated proofs sent with a DPoP-bound
token, what the diagnosis finds on its own is what the bundled API decided: the same
verdict, error and rule.

Disagreements found, and how each was resolved:
- ES512 proofs: the API takes ES256, ES384, RS256, PS256 and EdDSA; the diagnosis
  rejected only none and HS*, so it passed an ES512 proof the API refused. One list now
  (rules.closed_sets.DPOP_PROOF).
- A jwk with `dp`, `dq`, `qi` or `oth`: the API refuses every private member of RFC
  7518 §6; the diagnosis knew only d, p, q and k. One set now (rules.proof.PRIVATE_MEMBERS).
- A replayed proof was spotted by matching the API's wording; the API now names the
  rule (proof_replayed) in its answer, and the diagnosis reads the code.
"""

from __future__ import annotations

import time

import httpx
import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from m2m_tui.diagnosis.dpop_checks import DpopFacts
from m2m_tui.diagnosis.token_checks import run_checks
from tests.conftest import WORLDMAPPERS
from tests.helpers.rule_agreement import PROFILE, assert_agree
from tests.rules.generator import GOOD, Shape, build
from tests.rules.proof_generator import (
    GOOD_PROOF,
    ProofKeys,
    ProofShape,
    bound_to,
    proof,
    proof_shapes,
)


@pytest.fixture(scope="module")
def proof_keys():
    return ProofKeys()


def call(api, issuer, keys, shape: ProofShape, client: httpx.Client):
    url = api.url + "/api/directions"
    token = build(
        Shape(**GOOD), issuer.keys, issuer.url, WORLDMAPPERS, cnf={"jkt": bound_to(shape, keys)}
    )
    sent = proof(shape, keys, url, token)
    response = client.get(url, headers={"Authorization": f"DPoP {token}", "DPoP": sent})
    facts = DpopFacts("DPoP", sent, "GET", url, None, api.expect.dpop_required)
    diagnosis = run_checks(token, api.expect, issuer.keys.jwks, None, now=time.time(), dpop=facts)
    return response, diagnosis


@settings(settings.get_profile(PROFILE))
@given(data=st.data())
@example(data=None)
def test_the_diagnosis_names_the_rule_a_proof_was_refused_for(
    apis, issuer, proof_keys, client, data
):
    shape = ProofShape(**GOOD_PROOF) if data is None else data.draw(proof_shapes())
    response, diagnosis = call(apis["open"], issuer, proof_keys, shape, client)
    event(f"{response.status_code} {assert_agree(response, diagnosis)}")


CLASSES = {
    "ES512": (dict(key="ec-p521", alg="ES512"), "proof_alg"),
    "dp in the jwk": (dict(key="rsa", alg="RS256", private="dp"), "proof_private_key"),
    "EdDSA": (dict(key="ed25519", alg="EdDSA"), None),
    "another key than the token's": (dict(bound="other"), "proof_key_not_bound"),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_proof_class_is_agreed_on(apis, issuer, proof_keys, client, name):
    changes, rule = CLASSES[name]
    response, diagnosis = call(
        apis["open"], issuer, proof_keys, ProofShape(**{**GOOD_PROOF, **changes}), client
    )
    assert assert_agree(response, diagnosis) == rule
