"""The authority reads back its own tokens by the rule book (`authority/issued.py`):
introspection, revocation and the Management API judge them as the bundled API does,
with the API's leeway, and a refusal names the rule's code in the rule book's words."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oauth_primitives.rules import Code, Finding
from tests.conftest import ADMIN, GIFT, _http, b64, claims, repo_settings, signed, start_stack

# Offsets from a time claim's boundary (exp at now - leeway, nbf and iat at now + leeway):
# on it, a millisecond either side, and well either side.
EDGES = (-1.0, -0.001, 0.0, 0.001, 1.0)
OFFSET = st.one_of(st.sampled_from(EDGES), st.floats(-3, 3))


def management_claims(stack, **extra) -> dict:
    now = stack.authority.clock()
    base = {
        "iss": stack.issuer,
        "aud": stack.issuer + "api/v2/",
        "iat": now,
        "exp": now + 600,
        "scope": "read:clients",
        "sub": "m2m-admin@clients",
    }
    return {k: v for k, v in {**base, **extra}.items() if v is not None}


def list_clients(stack, token: str) -> httpx.Response:
    return _http().get(
        stack.issuer + "api/v2/clients", headers={"Authorization": f"Bearer {token}"}
    )


def introspect(stack, token: str, client=GIFT) -> dict:
    body = {"token": token, "client_id": client[0], "client_secret": client[1]}
    return _http().post(stack.issuer + "oauth/introspect", data=body).json()


def flawed(stack, flaw: str) -> str:
    """A Management API token with one flaw; everything else is as the authority signs."""
    key = stack.authority.current_key
    good = management_claims(stack)
    if flaw == "alg":  # a PS256 header on the authority's key: not an algorithm it signs
        return signed(stack, good, alg="PS256")
    if flaw == "none":
        return f"{b64({'alg': 'none', 'kid': key.kid})}.{b64(good)}."
    if flaw == "kid":
        return key.sign(good, {})
    if flaw == "unknown_kid":
        return key.sign(good, {"kid": "not-a-key-of-ours"})
    if flaw == "signature":
        token = signed(stack, good)
        return token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    changes = {
        "iss": {"iss": "https://elsewhere.example/"},
        "exp": {"exp": None},
        "nbf": {"nbf": good["iat"] + 3600},
        "iat": {"iat": None},
    }
    return signed(stack, management_claims(stack, **changes[flaw]))


@pytest.mark.parametrize(
    ("flaw", "code"),
    [
        ("alg", Code.ALG_NOT_ALLOWED),
        ("none", Code.ALG_NONE),
        ("kid", Code.KID_MISSING),
        ("unknown_kid", Code.KID_UNKNOWN),
        ("signature", Code.SIGNATURE_INVALID),
        ("iss", Code.ISS_MISMATCH),
        ("exp", Code.EXP_MISSING),
        ("nbf", Code.NOT_YET_VALID),
        ("iat", Code.CLAIM_REQUIRED),
    ],
)
def test_a_refused_management_token_names_the_rule_in_the_rule_books_words(
    shared_stack, flaw, code
):
    response = list_clients(shared_stack, flawed(shared_stack, flaw))
    body = response.json()
    assert response.status_code == 401 and body["errorCode"] == "invalid_token"
    assert body["rule"] == code
    # The rule book's sentence for that code, never PyJWT's exception text.
    expected = Finding(code, {"allowed": ["RS256"], "expected": shared_stack.issuer})
    if code in (Code.ALG_NOT_ALLOWED, Code.ALG_NONE, Code.ISS_MISMATCH, Code.EXP_MISSING):
        assert body["message"] == expected.describe()
    assert not body["message"].startswith("Invalid token")


def expected_code(payload: dict, now: float, leeway: float) -> Code | None:
    """RFC 7519 §4.1.4-§4.1.6 with the leeway, claim by claim in the API's order."""
    if "exp" not in payload:
        return Code.EXP_MISSING
    if payload["exp"] <= now - leeway:
        return Code.EXPIRED
    if "nbf" in payload and payload["nbf"] > now + leeway:
        return Code.NOT_YET_VALID
    if "iat" in payload and payload["iat"] > now + leeway:
        return Code.IAT_FUTURE
    return None


@pytest.fixture(scope="module")
def stopped(tmp_path_factory):
    """A stack whose authority and API both read one clock that stands still: a time
    claim a millisecond from the boundary is judged the same at both, every time."""
    running = start_stack(tmp_path_factory.mktemp("boundary") / "state")
    now = float(int(time.time()))
    running.authority.clock = lambda: now
    running.api_state.validator.clock = lambda: now
    yield running, now
    running.thread.stop()


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    exp=st.one_of(st.none(), OFFSET),
    nbf=st.one_of(st.none(), OFFSET),
    iat=st.one_of(st.none(), OFFSET),
)
def test_introspection_and_the_api_agree_around_the_leeway(stopped, exp, nbf, iat):
    stack, now = stopped
    leeway = stack.authority.settings.api.leeway
    times = {
        "exp": None if exp is None else now - leeway + exp,
        "nbf": None if nbf is None else now + leeway + nbf,
        "iat": None if iat is None else now + leeway + iat,
    }
    payload = claims(stack, jti=str(uuid.uuid4()), **times)  # None drops the claim
    token = signed(stack, payload)
    code = expected_code(payload, now, leeway)
    api = stack.call("/api/directions", token, destination="Seattle")
    active = introspect(stack, token)["active"]
    assert (api.status_code == 200) is active is (code is None), (payload, api.text, active)
    if code is not None:
        assert api.status_code == 401 and api.json()["rule"] == code


def test_the_apis_leeway_is_the_authoritys_for_every_token_it_reads(tmp_path):
    """[server.api] leeway set once: the API, introspection and the Management API all
    take a token 20 s past its exp under a leeway of 30, and none at 31."""
    base = repo_settings()
    stack = start_stack(tmp_path / "state", replace(base, api=replace(base.api, leeway=30.0)))
    try:
        now = float(int(time.time()))
        stack.authority.clock = lambda: now
        stack.api_state.validator.clock = lambda: now
        for past, taken in ((20, True), (31, False)):
            at = {"iat": now - 600, "exp": now - past}
            token = signed(stack, claims(stack, jti=str(uuid.uuid4()), **at))
            api = stack.call("/api/directions", token, destination="Seattle")
            assert (api.status_code == 200) is taken, api.text
            assert introspect(stack, token)["active"] is taken
            admin = list_clients(stack, signed(stack, management_claims(stack, **at)))
            assert (admin.status_code == 200) is taken, admin.text
            if not taken:
                assert admin.json()["rule"] == Code.EXPIRED
        # Revoking judges the token by the same rules, but its exp: whose an expired token
        # is still matters (RFC 7009 §2.1).
        expired = signed(stack, claims(stack, jti="old", iat=now - 600, exp=now - 300))
        body = {"token": expired, "client_id": ADMIN[0], "client_secret": ADMIN[1]}
        refused = _http().post(stack.issuer + "oauth/revoke", data=body)
        assert refused.status_code == 400 and refused.json()["error"] == "unauthorized_client"
    finally:
        stack.thread.stop()
