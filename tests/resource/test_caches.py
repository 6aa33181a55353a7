"""The API's verified-token and refused-token caches never outlive what they remember."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from oauth_primitives.rules.findings import Code
from tests.conftest import claims, repo_settings, signed, start_stack


@pytest.fixture
def strict_clock(tmp_path):
    """A stack whose API allows no clock leeway, so expiry can be watched in seconds."""
    settings = repo_settings()
    running = start_stack(tmp_path / "s", replace(settings, api=replace(settings.api, leeway=0)))
    yield running
    running.thread.stop()


def call(stack, token: str) -> int:
    return stack.call("/api/directions", token, destination="Seattle").status_code


def test_a_cached_token_stops_being_accepted_at_its_exp(strict_clock):
    # The API's clock stands still until the test moves it: a call slowed by a busy
    # machine (2.3 s once) must not outlive the token on its own.
    now = time.time()
    strict_clock.api_state.validator.clock = lambda: now
    token = signed(strict_clock, claims(strict_clock, exp=int(now) + 2))
    assert call(strict_clock, token) == 200
    assert call(strict_clock, token) == 200  # from the verified-token cache
    strict_clock.api_state.validator.clock = lambda: now + 2.5  # past its exp
    assert call(strict_clock, token) == 401


def test_a_not_yet_valid_token_is_not_remembered_as_refused(strict_clock):
    now = time.time()
    strict_clock.api_state.validator.clock = lambda: now  # as above: load cannot move it
    token = signed(strict_clock, claims(strict_clock, nbf=int(now) + 2))
    assert call(strict_clock, token) == 401
    strict_clock.api_state.validator.clock = lambda: now + 2.5  # past its nbf
    assert call(strict_clock, token) == 200


def test_a_refused_token_stays_refused_with_the_same_reason(strict_clock):
    header, payload, signature = strict_clock.token().split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    first = strict_clock.call("/api/directions", forged, destination="Seattle")
    again = strict_clock.call("/api/directions", forged, destination="Seattle")
    assert first.status_code == again.status_code == 401
    assert first.json()["rule"] == again.json()["rule"] == Code.SIGNATURE_INVALID
    assert first.json()["error_description"] == again.json()["error_description"]


def test_remembered_queries_never_mix_up_requests(stack):
    admin = stack.admin()
    grant = admin.get("/client-grants", params={"client_id": "giftdeliveries"}).json()[0]
    admin.patch(f"/client-grants/{grant['id']}", json={"scope": ["geocode:location"]})
    token = stack.token()
    for _ in range(3):
        for city in ("Paris", "Seattle", "Tokyo"):
            answer = stack.call("/api/location/geocode", token, address=city)
            assert answer.status_code == 200 and answer.json()["query"] == city
    long = stack.call("/api/location/geocode", token, address="x" * 600)
    assert long.status_code == 400 and long.json()["parameter"] == "address"
    assert "longer than 200" in long.json()["message"]


def test_a_remembered_tokens_verdict_is_kept_per_endpoint(strict_clock):
    # The request rows' verdict is remembered with the token, by the scope the endpoint
    # needs: one endpoint's refusal never answers another's call, nor the other way.
    token = signed(strict_clock, claims(strict_clock, scope="directions"))
    for _ in range(2):
        assert call(strict_clock, token) == 200
        refused = strict_clock.call("/api/location/geocode", token, address="Paris")
        assert refused.status_code == 403
        assert refused.json()["rule"] == Code.SCOPE_MISSING
