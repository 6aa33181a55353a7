"""The authority's token endpoint with DPoP proofs (RFC 9449 §4, §5, §8)."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from tests.conftest import GIFT, WORLDMAPPERS
from tests.dpop.conftest import Holder, dpop_token


def test_a_valid_proof_gets_a_dpop_token_bound_to_its_key(dpop_stack, holder):
    response = dpop_token(dpop_stack, holder)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "DPoP"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["cnf"] == {"jkt": holder.jkt}


@pytest.mark.parametrize("alg", ["ES256", "RS256", "EdDSA"])
def test_each_allowed_algorithm(dpop_stack, alg):
    holder = Holder(alg)
    response = dpop_token(dpop_stack, holder)
    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["cnf"]["jkt"] == holder.jkt


def test_without_a_proof_the_token_is_bearer_as_before(dpop_stack):
    body = dpop_stack.token_response().json()
    assert body["token_type"] == "Bearer"
    assert "cnf" not in jwt.decode(body["access_token"], options={"verify_signature": False})


def test_discovery_lists_the_proof_algorithms(dpop_stack):
    doc = httpx.get(dpop_stack.issuer + ".well-known/openid-configuration").json()
    assert {"ES256", "RS256", "EdDSA"} <= set(doc["dpop_signing_alg_values_supported"])


def bad(stack, holder, **proof_args):
    url = stack.issuer + "oauth/token"
    proofs = proof_args.pop("proofs", None)
    if proofs is None:
        proofs = [
            holder.proof(proof_args.pop("method", "POST"), proof_args.pop("url", url), **proof_args)
        ]
    headers = [("DPoP", p) for p in proofs]
    return httpx.post(
        url,
        data={
            "grant_type": "client_credentials",
            "client_id": GIFT[0],
            "client_secret": GIFT[1],
            "audience": WORLDMAPPERS,
        },
        headers=headers,
    )


def refused(response, words: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "invalid_dpop_proof"
    assert words in body["error_description"], body["error_description"]


def test_two_proofs(dpop_stack, holder):
    url = dpop_stack.issuer + "oauth/token"
    two = [holder.proof("POST", url), holder.proof("POST", url)]
    refused(bad(dpop_stack, holder, proofs=two), "more than one DPoP header")


def test_not_a_jwt(dpop_stack, holder):
    refused(bad(dpop_stack, holder, proofs=["not-a-proof"]), "not a JWT")


def test_wrong_typ(dpop_stack, holder):
    refused(bad(dpop_stack, holder, header={"typ": "JWT"}), "typ must be dpop+jwt")


def test_symmetric_alg(dpop_stack, holder):
    url = dpop_stack.issuer + "oauth/token"
    forged = jwt.encode(
        {"jti": "x", "htm": "POST", "htu": url, "iat": int(time.time())},
        "s" * 32,
        algorithm="HS256",
        headers={"typ": "dpop+jwt", "jwk": holder.jwk},
    )
    refused(bad(dpop_stack, holder, proofs=[forged]), "alg 'HS256' is not allowed")


def test_private_key_in_the_jwk(dpop_stack, holder):
    private = jwt.get_algorithm_by_name("ES256").to_jwk(holder.key, as_dict=True)
    refused(bad(dpop_stack, holder, header={"jwk": private}), "private key material")


def test_no_jwk(dpop_stack, holder):
    url = dpop_stack.issuer + "oauth/token"
    proof = jwt.encode(
        {"jti": "x", "htm": "POST", "htu": url, "iat": int(time.time())},
        holder.key,
        algorithm="ES256",
        headers={"typ": "dpop+jwt"},
    )
    refused(bad(dpop_stack, holder, proofs=[proof]), "no jwk")


def test_signed_by_another_key(dpop_stack, holder):
    other = Holder()
    refused(bad(dpop_stack, holder, key=other.key), "signature does not match")


def test_wrong_method(dpop_stack, holder):
    refused(bad(dpop_stack, holder, method="GET"), "htm is 'GET', but the request is POST")


def test_wrong_url(dpop_stack, holder):
    refused(bad(dpop_stack, holder, url="https://elsewhere.example/oauth/token"), "htu is")


def test_stale(dpop_stack, holder):
    refused(bad(dpop_stack, holder, iat=time.time() - 600), "stale")


def test_from_the_future(dpop_stack, holder):
    refused(bad(dpop_stack, holder, iat=time.time() + 600), "from the future")


def test_missing_claims(dpop_stack, holder):
    refused(bad(dpop_stack, holder, drop=("jti",)), "no jti claim")


def test_replayed(dpop_stack, holder):
    url = dpop_stack.issuer + "oauth/token"
    proof = holder.proof("POST", url)
    assert bad(dpop_stack, holder, proofs=[proof]).status_code == 200
    refused(bad(dpop_stack, holder, proofs=[proof]), "used before")


def test_an_api_that_requires_dpop_refuses_bearer_requests(dpop_stack, holder):
    admin = dpop_stack.admin()
    rs = admin.get("/resource-servers/urn:worldmappers").json()
    assert rs["proof_of_possession"] is None
    patched = admin.patch(
        f"/resource-servers/{rs['id']}",
        json={"proof_of_possession": {"mechanism": "dpop", "required": True}},
    )
    assert patched.json()["proof_of_possession"] == {"mechanism": "dpop", "required": True}
    try:
        refused(dpop_stack.token_response(), "requires DPoP")
        assert dpop_token(dpop_stack, holder).status_code == 200
    finally:
        admin.patch(f"/resource-servers/{rs['id']}", json={"proof_of_possession": None})
    assert dpop_stack.token_response().status_code == 200


def test_proof_of_possession_is_checked(dpop_stack):
    admin = dpop_stack.admin()
    rs = admin.get("/resource-servers/urn:worldmappers").json()
    for value in ({"mechanism": "tls"}, {"mechanism": "dpop", "required": "yes"}, "dpop"):
        response = admin.patch(f"/resource-servers/{rs['id']}", json={"proof_of_possession": value})
        assert response.status_code == 400, value


def test_nonce_demanded_then_accepted(nonce_stack, holder):
    first = dpop_token(nonce_stack, holder)
    assert first.status_code == 400
    assert first.json()["error"] == "use_dpop_nonce"
    nonce = first.headers["dpop-nonce"]
    url = nonce_stack.issuer + "oauth/token"
    second = bad(nonce_stack, holder, proofs=[holder.proof("POST", url, nonce=nonce)])
    assert second.status_code == 200, second.text
    assert second.json()["token_type"] == "DPoP" and "dpop-nonce" in second.headers
    wrong = bad(nonce_stack, holder, proofs=[holder.proof("POST", url, nonce="made-up")])
    assert wrong.status_code == 400 and wrong.json()["error"] == "use_dpop_nonce"
