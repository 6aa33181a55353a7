"""Property-based tests (hypothesis): hostile input never gets a 5xx, and every refusal is
a well-formed RFC 6749 or RFC 6750 error. Bounded in examples; loopback only."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.conftest import GIFT, WORLDMAPPERS, start_stack

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PARAM_NAMES = st.sampled_from(
    [
        "grant_type",
        "client_id",
        "client_secret",
        "audience",
        "resource",
        "scope",
        "client_assertion",
        "client_assertion_type",
        "x",
    ]
)
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["client_credentials", GIFT[0], GIFT[1], WORLDMAPPERS, "password", ""]),
)


def sent(client: httpx.Client, method: str, url: str, **kwargs) -> httpx.Response | None:
    """The server's answer, or None when httpx itself will not put the bytes on the wire
    (an illegal header value is the client's refusal, not the server's to judge)."""
    try:
        return client.request(method, url, **kwargs)
    except httpx.LocalProtocolError:
        return None


def assert_oauth_error(response: httpx.Response | None) -> None:
    # An example httpx would not send tests nothing: hypothesis is told so, and counts it.
    assume(response is not None)
    assert response.status_code < 500, response.text
    if response.status_code != 200:
        body = response.json()
        assert isinstance(body.get("error"), str) and body["error"]


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory):
    """A tenant of this module's own: 150 mostly failing client logins trip the throttle
    (5 failures a second), and a worker's shared stack must not stay locked for
    whichever test that worker runs next."""
    running = start_stack(tmp_path_factory.mktemp("fuzz") / "state")
    yield running
    running.thread.stop()


@pytest.fixture(scope="module")
def client():
    with httpx.Client(timeout=10) as c:
        yield c


@FUZZ
@given(
    params=st.dictionaries(PARAM_NAMES, VALUES, max_size=6),
    as_json=st.booleans(),
    basic=st.one_of(st.none(), st.text(max_size=30), st.binary(max_size=30)),
)
def test_token_endpoint_any_parameters(fuzz_stack, client, params, as_json, basic):
    headers = {}
    if basic is not None:
        raw = basic if isinstance(basic, bytes) else basic.encode()
        headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
    body = {"json": params} if as_json else {"data": params}
    response = sent(client, "POST", fuzz_stack.token_url, headers=headers, **body)
    assert_oauth_error(response)
    if response is not None and response.status_code == 429:  # the throttle: well-formed too
        assert response.headers["retry-after"]


@FUZZ
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "text/plain",
            "",
            "application/json; charset=latin-1",
            "multipart/form-data",
        ]
    ),
)
def test_token_endpoint_any_body(fuzz_stack, client, body, content_type):
    response = client.post(
        fuzz_stack.token_url,
        content=body,
        headers={"content-type": content_type} if content_type else {},
    )
    assert_oauth_error(response)


def assert_bearer_refusal(response: httpx.Response | None, header: bytes | str) -> None:
    assume(response is not None)
    raw = header.encode("latin-1") if isinstance(header, str) else header
    if any((b < 0x20 and b != 0x09) or b == 0x7F for b in raw.strip()):
        # Not a legal HTTP field value (RFC 9110 §5.5): a strict HTTP parser (httptools)
        # answers 400 itself, before the API sees the request; a lenient one (h11) passes
        # it on, and the API refuses it in RFC 6750 terms. Never a 5xx either way.
        if response.status_code == 400 and "www-authenticate" not in response.headers:
            return
    assert response.status_code in (200, 400, 401, 403), response.text
    if response.status_code != 200:
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith('Bearer realm="worldmappers"')
        assert "message" in response.json()


@FUZZ
@given(header=st.binary(max_size=200))
def test_api_any_authorization_bytes(fuzz_stack, client, header):
    try:
        response = sent(
            client,
            "GET",
            fuzz_stack.api_url + "/api/directions",
            params={"destination": "Seattle"},
            headers={"Authorization": header},
        )
    except (ValueError, TypeError):
        return  # not a header value httpx can express
    assert_bearer_refusal(response, header)


@pytest.fixture(scope="module")
def good_token(fuzz_stack) -> str:
    return fuzz_stack.token()


MUTATIONS = st.sampled_from(["flip", "swap", "reencode", "drop", "dup", "truncate"])


@FUZZ
@given(
    mutation=MUTATIONS,
    position=st.integers(min_value=0, max_value=2000),
    bit=st.integers(min_value=0, max_value=7),
)
def test_api_mutated_valid_tokens(fuzz_stack, client, good_token, mutation, position, bit):
    parts = good_token.split(".")
    if mutation == "flip":
        raw = bytearray(good_token.encode())
        raw[position % len(raw)] ^= 1 << bit
        token = raw.decode("latin-1")
    elif mutation == "swap":
        i, j = position % 3, (position // 3) % 3
        parts[i], parts[j] = parts[j], parts[i]
        token = ".".join(parts)
    elif mutation == "reencode":  # standard base64 with padding instead of base64url
        payload = base64.urlsafe_b64decode(parts[1] + "==")
        parts[1] = base64.b64encode(payload).decode()
        token = ".".join(parts)
    elif mutation == "drop":
        del parts[position % 3]
        token = ".".join(parts)
    elif mutation == "dup":
        token = ".".join(parts + [parts[position % 3]])
    else:
        token = good_token[: position % len(good_token)]
    try:
        response = sent(
            client,
            "GET",
            fuzz_stack.api_url + "/api/directions",
            params={"destination": "Seattle"},
            headers={"Authorization": f"Bearer {token}"},
        )
    except (ValueError, TypeError):
        return  # not a header value httpx can express
    assert_bearer_refusal(response, f"Bearer {token}")
    if response is not None and response.status_code == 200:
        # Accepted only if it still says exactly what was signed: flipping a base64url
        # character's unused low bits leaves the decoded bytes, and so the token, the same.
        assert token.count(".") == 2, (mutation, json.dumps(token[:80]))
        assert [decoded(p) for p in token.split(".")] == [
            decoded(p) for p in good_token.split(".")
        ], (mutation, json.dumps(token[:80]))


def decoded(part: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except ValueError:
        return None
