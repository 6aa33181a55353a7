"""The World Mappers API with DPoP-bound tokens (RFC 9449 §7)."""

from __future__ import annotations

import time

import httpx
import pytest

from oauth_primitives.rules.findings import Code
from tests.dpop.conftest import Holder, call, dpop_token

PATH = "/api/directions"


@pytest.fixture
def bound(dpop_stack, holder) -> str:
    return dpop_token(dpop_stack, holder).json()["access_token"]


def url(stack) -> str:
    return stack.api_url + PATH


def test_a_dpop_call_with_a_fresh_proof_is_accepted(dpop_stack, holder, bound):
    response = call(dpop_stack, PATH, bound, holder.proof("GET", url(dpop_stack), bound))
    assert response.status_code == 200, response.text


def test_the_proofs_htu_ignores_the_query(dpop_stack, holder, bound):
    proof = holder.proof("GET", url(dpop_stack), bound)
    response = call(dpop_stack, PATH + "?destination=Seattle", bound, proof)
    assert response.status_code == 200, response.text


def challenge(response) -> dict:
    from m2m_tui.diagnosis.www_authenticate import parse_challenge

    return parse_challenge(response.headers.get("www-authenticate"))


def refused(response, error: str, rule: Code) -> None:
    """A 401 with a DPoP challenge, its RFC 9449 error, and the rule book's code in the
    body: what a client acts on, never the wording of error_description."""
    assert response.status_code == 401, response.text
    found = challenge(response)
    assert found["scheme"] == "DPoP" and "ES256" in found["algs"]
    assert found["error"] == error, found
    assert response.json()["rule"] == rule, response.json()
    assert found["error_description"] == response.json()["error_description"]


CASES = {
    "no proof": (lambda h, s, t: None, "invalid_dpop_proof", Code.PROOF_MISSING),
    "wrong method": (
        lambda h, s, t: h.proof("POST", url(s), t),
        "invalid_dpop_proof",
        Code.PROOF_HTM,
    ),
    "wrong url": (
        lambda h, s, t: h.proof("GET", s.api_url + "/api/location/geocode", t),
        "invalid_dpop_proof",
        Code.PROOF_HTU,
    ),
    "stale": (
        lambda h, s, t: h.proof("GET", url(s), t, iat=time.time() - 300),
        "invalid_dpop_proof",
        Code.PROOF_STALE,
    ),
    "future": (
        lambda h, s, t: h.proof("GET", url(s), t, iat=time.time() + 300),
        "invalid_dpop_proof",
        Code.PROOF_AHEAD,
    ),
    "no ath": (
        lambda h, s, t: h.proof("GET", url(s)),
        "invalid_dpop_proof",
        Code.PROOF_ATH_MISSING,
    ),
    "wrong ath": (
        lambda h, s, t: h.proof("GET", url(s), t + "x"),
        "invalid_dpop_proof",
        Code.PROOF_ATH_MISMATCH,
    ),
    "wrong typ": (
        lambda h, s, t: h.proof("GET", url(s), t, header={"typ": "JWT"}),
        "invalid_dpop_proof",
        Code.PROOF_TYP,
    ),
    "signed by another key": (
        lambda h, s, t: Holder().proof("GET", url(s), t),
        "invalid_dpop_proof",
        Code.PROOF_KEY_NOT_BOUND,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_proof_failure_is_refused_with_a_dpop_challenge(dpop_stack, holder, bound, case):
    make, error, rule = CASES[case]
    refused(call(dpop_stack, PATH, bound, make(holder, dpop_stack, bound)), error, rule)


def test_a_replayed_proof_is_refused(dpop_stack, holder, bound):
    proof = holder.proof("GET", url(dpop_stack), bound)
    assert call(dpop_stack, PATH, bound, proof).status_code == 200
    refused(call(dpop_stack, PATH, bound, proof), "invalid_dpop_proof", Code.PROOF_REPLAYED)


def test_two_proofs_are_refused(dpop_stack, holder, bound):
    two = [holder.proof("GET", url(dpop_stack), bound), holder.proof("GET", url(dpop_stack), bound)]
    refused(call(dpop_stack, PATH, bound, two), "invalid_dpop_proof", Code.PROOF_MULTIPLE)


def test_a_bound_token_sent_as_bearer_is_refused(dpop_stack, bound):
    response = call(dpop_stack, PATH, bound, None, scheme="Bearer")
    refused(response, "invalid_token", Code.DPOP_BOUND_AS_BEARER)


def test_a_bearer_token_sent_as_dpop_is_refused(dpop_stack, holder):
    token = dpop_stack.token()
    response = call(dpop_stack, PATH, token, holder.proof("GET", url(dpop_stack), token))
    refused(response, "invalid_token", Code.NOT_BOUND_AS_DPOP)


def test_bearer_calls_keep_their_rfc6750_answers(dpop_stack):
    token = dpop_stack.token()
    assert call(dpop_stack, PATH, token, None, scheme="Bearer").status_code == 200
    no_scope = call(dpop_stack, "/api/location/geocode", token, None, scheme="Bearer")
    assert no_scope.status_code == 403 and challenge(no_scope)["scheme"] == "Bearer"


def test_a_dpop_token_without_the_scope_gets_a_dpop_403(dpop_stack, holder, bound):
    path = "/api/location/geocode"
    response = call(dpop_stack, path, bound, holder.proof("GET", dpop_stack.api_url + path, bound))
    assert response.status_code == 403
    found = challenge(response)
    assert found["scheme"] == "DPoP" and found["error"] == "insufficient_scope"


def test_the_api_can_require_dpop_for_every_call(required_stack, holder):
    bearer = required_stack.token()
    refused(
        call(required_stack, PATH, bearer, None, scheme="Bearer"),
        "invalid_token",
        Code.DPOP_REQUIRED,
    )
    token = dpop_token(required_stack, holder).json()["access_token"]
    ok = call(required_stack, PATH, token, holder.proof("GET", url(required_stack), token))
    assert ok.status_code == 200
    metadata = httpx.get(required_stack.api_url + "/.well-known/oauth-protected-resource").json()
    assert metadata["dpop_bound_access_tokens_required"] is True


def test_the_api_demands_a_nonce_when_set_to(nonce_stack, holder):
    # The authority demands one too: get it first, as a client would.
    first = dpop_token(nonce_stack, holder)
    nonce = first.headers["dpop-nonce"]
    token_url = nonce_stack.issuer + "oauth/token"
    token = httpx.post(
        token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": "giftdeliveries",
            "client_secret": "giftdeliveries-local-secret",
            "audience": "urn:worldmappers",
        },
        headers={"DPoP": holder.proof("POST", token_url, nonce=nonce)},
    ).json()["access_token"]
    asked = call(nonce_stack, PATH, token, holder.proof("GET", url(nonce_stack), token))
    refused(asked, "use_dpop_nonce", Code.PROOF_NONCE)
    api_nonce = asked.headers["dpop-nonce"]
    ok = call(
        nonce_stack, PATH, token, holder.proof("GET", url(nonce_stack), token, nonce=api_nonce)
    )
    assert ok.status_code == 200, ok.text


def test_replay_memory_stays_bounded_under_a_flood_of_unique_proofs():
    from api_server.dpop import ReplayMemory

    memory = ReplayMemory(window=65, max_entries=1000)
    now = time.time()
    for i in range(20_000):
        assert memory.first_use(f"jti-{i}", now)
    assert len(memory) <= 1000
    assert not memory.first_use("jti-19999", now)  # the newest are still remembered


def test_the_replay_memory_forgets_only_what_has_expired_without_a_flood():
    from api_server.dpop import ReplayMemory

    memory = ReplayMemory(window=65, max_entries=1000)
    start = time.time()
    assert memory.first_use("old", start)
    assert memory.first_use("recent", start + 60)
    assert not memory.first_use("old", start + 64)  # within the window: a replay
    for step in range(1, 5):  # quiet traffic, a generation switch every 65 s
        assert memory.first_use(f"later-{step}", start + 65 * step)
    assert memory.first_use("old", start + 65 * 4)  # long expired: forgotten
    assert memory.horizon == 0.0  # nothing forgotten early, so nothing refused as too old


def test_a_replay_is_caught_across_a_generation_switch():
    from api_server.dpop import ReplayMemory

    memory = ReplayMemory(window=65, max_entries=1000)
    now = time.time()
    assert memory.first_use("before", now)
    assert memory.first_use("switches", now + 65)  # the first generation is now the older
    assert not memory.first_use("before", now + 66)
    assert not memory.first_use("switches", now + 66)


def test_what_a_flood_made_the_memory_forget_cannot_be_replayed():
    from api_server.dpop import DpopError, ReplayMemory, check_proof

    memory = ReplayMemory(window=65, max_entries=100)
    holder = Holder()
    url = "http://127.0.0.1:1/api/directions"
    now = time.time()
    early = holder.proof("GET", url, "tok", iat=now - 20)
    check_proof([early], "GET", url, memory, access_token="tok", now=now - 20)
    for i in range(150):  # a flood pushes the early proof out of the memory
        assert memory.first_use(f"flood-{i}", now - 10)
    assert memory.horizon >= now - 20
    with pytest.raises(DpopError, match="too old for the server's replay memory"):
        check_proof([early], "GET", url, memory, access_token="tok", now=now)
    fresh = holder.proof("GET", url, "tok", iat=now)
    assert check_proof([fresh], "GET", url, memory, access_token="tok", now=now).jti


def test_a_flood_during_the_helpers_wait_cannot_let_a_replay_through(dpop_stack, holder, bound):
    # The proof's signature is checked in a helper process, which a busy machine can
    # keep waiting; a flood in that wait makes the replay memory forget. The proof is
    # judged against the memory as it is once the wait is over.
    from api_server.dpop import ReplayMemory

    api = dpop_stack.api_state
    api.dpop_replay = ReplayMemory(window=65, max_entries=100)
    proof = holder.proof("GET", url(dpop_stack), bound, iat=time.time() - 20)
    assert call(dpop_stack, PATH, bound, proof).status_code == 200
    checked = api.proof_helper.verify

    async def flooded(presented):
        for i in range(150):  # pushes the first use of the proof out of the memory
            assert api.dpop_replay.first_use(f"flood-{i}", time.time() - 10)
        return await checked(presented)

    api.proof_helper.verify = flooded
    replayed = call(dpop_stack, PATH, bound, proof)
    refused(replayed, "invalid_dpop_proof", Code.PROOF_BEYOND_MEMORY)
