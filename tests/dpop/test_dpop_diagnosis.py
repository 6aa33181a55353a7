"""The diagnosis's DPoP checks on proofs built here with PyJWT: each check judges its own
part of the proof, so one fault is named once, by the check it belongs to."""

from __future__ import annotations

import time

import pytest

from m2m_tui.diagnosis.dpop_checks import DpopFacts, dpop_checks
from tests.dpop.conftest import Holder

URL = "http://127.0.0.1:1/api/directions"


def verdicts(proof: str, holder: Holder) -> dict[str, bool | None]:
    facts = DpopFacts("DPoP", proof, "GET", URL, holder.jkt)
    return {c.name: c.ok for c in dpop_checks("tok", holder.jkt, facts, {}, time.time())}


@pytest.mark.parametrize("alg", ["ES256", "RS256", "EdDSA"])
def test_a_good_proof_passes_every_check(alg):
    holder = Holder(alg)
    found = verdicts(holder.proof("GET", URL, "tok"), holder)
    every = ["scheme", "proof", "proof hdr", "proof sig", "htm", "htu", "proof iat", "jti"]
    every += ["ath", "cnf.jkt", "nonce"]  # the nonce: none demanded, so none is missing
    assert found == dict.fromkeys(every, True)


@pytest.mark.parametrize("shift", [600, -600])
def test_a_proof_out_of_time_fails_on_iat_not_on_its_signature(shift):
    holder = Holder()
    found = verdicts(holder.proof("GET", URL, "tok", iat=time.time() + shift), holder)
    assert found["proof sig"] is True
    assert found["proof iat"] is False


def test_a_proof_signed_by_another_key_fails_on_its_signature():
    from cryptography.hazmat.primitives.asymmetric import ec

    holder = Holder()
    proof = holder.proof("GET", URL, "tok", key=ec.generate_private_key(ec.SECP256R1()))
    found = verdicts(proof, holder)
    assert found["proof sig"] is False and found["proof iat"] is True
