"""The proof table: one order for a DPoP proof's rules, which the servers run to their
first finding and the diagnosis runs through (RFC 9449 §4.3, §7.1)."""

from __future__ import annotations

import time

import jwt
import pytest

from api_server.dpop import DpopError, Nonces, ReplayMemory, check_proof
from m2m_tui.oauth.dpop import generate_key
from oauth_primitives.rules import Code
from oauth_primitives.rules.proof_table import (
    PROOF_CODES,
    PROOF_TABLE,
    ProofPresented,
    proof_rows,
    run_proof,
)
from oauth_primitives.rules.table import TABLE, place

URL = "http://127.0.0.1:1/api/directions"


def codes(found) -> list[str]:
    return [f.code for f in found]


def test_the_token_table_places_proof_findings_in_the_proof_tables_order():
    proof_row = next(row for row in TABLE if row.name == "proof")
    assert proof_row.codes == PROOF_CODES
    places = [place(code) for code in PROOF_CODES]
    assert places == sorted(places)  # one order: the proof table's


def test_a_server_stops_at_the_first_finding_and_the_diagnosis_sees_them_all():
    key = generate_key()
    stale = key.proof("POST", URL, access_token="t", iat=time.time() - 3600)
    seen = []

    def first_use(jti, now):
        seen.append(jti)
        return True

    def presented():
        return ProofPresented([stale], "GET", URL, time.time(), "t", first_use=first_use)

    assert codes(run_proof(presented())) == [Code.PROOF_HTM]
    assert seen == []  # a server remembers the jti only of a proof that passed the rest
    assert codes(run_proof(presented(), every=True)) == [Code.PROOF_HTM, Code.PROOF_STALE]


def test_a_refused_header_skips_the_key_and_signature_but_not_the_claims():
    key = generate_key()
    good = key.proof("GET", URL)
    header = {**jwt.get_unverified_header(good), "typ": "JWT"}
    forged = jwt.encode(
        jwt.decode(good, options={"verify_signature": False}),
        key.private_key,
        algorithm=key.alg,
        headers=header,
    )
    p = ProofPresented([forged], "POST", URL, time.time())
    assert codes(run_proof(p, every=True)) == [Code.PROOF_TYP, Code.PROOF_HTM]
    assert p.signer is None


def test_the_api_can_await_the_signature_between_two_parts_of_the_table():
    key = generate_key()
    proof = key.proof("GET", URL, access_token="t")
    p = ProofPresented([proof], "GET", URL, time.time(), "t")
    assert run_proof(p, proof_rows("proof", "proof key")) == ()
    p.verified = False  # as a helper process would answer for a forged signature
    assert codes(run_proof(p, proof_rows("proof sig"))) == [Code.PROOF_SIGNATURE]
    assert proof_rows("proof")[0] is PROOF_TABLE[0]


def test_the_authority_refuses_a_replay_only_once_the_rest_passed():
    key = generate_key()
    memory = ReplayMemory()
    proof = key.proof("POST", URL)
    with pytest.raises(DpopError) as refused:  # refused for its htm: not remembered
        check_proof([proof], "GET", URL, memory)
    assert refused.value.code == Code.PROOF_HTM
    assert check_proof([proof], "POST", URL, memory).jkt == key.jkt
    with pytest.raises(DpopError) as replayed:
        check_proof([proof], "POST", URL, memory)
    assert replayed.value.code == Code.PROOF_REPLAYED


def hostile(key, header: dict | None = None, **claims) -> str:
    """A proof signed by `key` with the claims given over a good proof's."""
    good = jwt.decode(key.proof("GET", URL, access_token="t"), options={"verify_signature": False})
    head = {"typ": "dpop+jwt", "jwk": key.jwk, **(header or {})}
    return jwt.encode({**good, **claims}, key.private_key, algorithm=key.alg, headers=head)


@pytest.mark.parametrize(
    ("header", "claims", "rule"),
    [
        ({"jwk": {"kty": ["EC"], "crv": "P-256", "x": "a", "y": "b"}}, {}, "proof_key_unusable"),
        (None, {"ath": "é"}, "proof_ath_mismatch"),
        (None, {"nonce": "é"}, "proof_nonce"),
        (None, {"htu": "http://[x"}, "proof_htu"),
        (None, {"iat": float("nan")}, "proof_claim_missing"),
        (None, {"iat": float("inf")}, "proof_claim_missing"),
    ],
)
def test_a_hostile_proof_is_refused_by_its_rule_not_a_crash(header, claims, rule):
    key = generate_key()
    proof = hostile(key, header, **claims)
    with pytest.raises(DpopError) as refused:
        nonces = Nonces() if "nonce" in claims else None  # a server that demands one
        check_proof([proof], "GET", URL, ReplayMemory(), nonces, access_token="t")
    assert refused.value.code == rule
    every = run_proof(ProofPresented([proof], "GET", URL, time.time(), "t"), every=True)
    assert rule in codes(every) or rule == "proof_nonce"  # no nonce known but the server's
