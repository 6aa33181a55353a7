"""Fetching the downstream hop an answer links to, with the caller's own token, from the
real servers: Gift Deliveries → World Mappers → (exchange) → the Routes API."""

from __future__ import annotations

import httpx
import pytest

from m2m_tui.api.client import ApiCall, ApiResult, send
from m2m_tui.api.downstream_hop import fetch_hop, hop_link
from m2m_tui.api.worldmappers import ENDPOINTS
from m2m_tui.transcript import Exchange
from tests.conftest import claims, repo_settings, signed, start_stack

DIRECTIONS = next(e for e in ENDPOINTS if e.path == "/api/directions")


@pytest.fixture(scope="module")
def routed(tmp_path_factory):
    running = start_stack(tmp_path_factory.mktemp("hop"), repo_settings(directions_by="routes"))
    yield running
    running.thread.stop()


async def _directions(stack, token: str, client) -> tuple[ApiCall, ApiResult]:
    call = ApiCall(stack.api_url, DIRECTIONS, {"destination": "Auth0 Office"})
    return call, await send(call, token, client)


async def test_the_hop_is_fetched_with_the_same_token_and_read_as_a_dict(routed):
    token = routed.token()
    async with httpx.AsyncClient() as client:
        call, result = await _directions(routed, token, client)
        assert isinstance(result.exchange.json(), list)  # the answer itself: the array
        fetched = await fetch_hop(call, result, token, client)
    assert fetched.reason is None, fetched.reason
    hop = fetched.record
    assert hop["api"] == "urn:worldmappers:routes" and hop["status"] == 200
    assert hop["exchange"]["act"] == {"sub": "world-mappers-api@clients"}
    assert hop["body"]["on_behalf_of"] == "giftdeliveries@clients"
    assert fetched.url.startswith(routed.api_url + "/api/directions/hops/")
    assert fetched.fetched.exchange.request_headers["Authorization"] != f"Bearer {token}"  # masked


async def test_another_callers_token_gets_a_reason_not_a_record(routed):
    other = signed(routed, claims(routed, sub="otherclient@clients", azp="otherclient"))
    async with httpx.AsyncClient() as client:
        call, result = await _directions(routed, routed.token(), client)
        fetched = await fetch_hop(call, result, other, client)
    assert fetched.record is None and fetched.fetched.status == 404
    assert "no such hop for this token's caller" in fetched.reason


async def test_an_answer_made_without_a_hop_links_none(shared_stack):
    """directions_by = "local": the API answers by itself, and says so by no link."""
    token = shared_stack.token()
    async with httpx.AsyncClient() as client:
        call, result = await _directions(shared_stack, token, client)
        assert result.status == 200
        fetched = await fetch_hop(call, result, token, client)
    assert fetched.record is None and fetched.fetched is None
    assert "links no downstream hop" in fetched.reason


async def test_a_hop_linked_at_another_origin_is_not_asked_with_the_token():
    exchange = Exchange("GET", "http://127.0.0.1:9/api/directions", {}, status=200)
    exchange.response_headers = {
        "Link": '<https://elsewhere.example/h/1>; rel="urn:worldmappers:rel:downstream"'
    }
    call = ApiCall("http://127.0.0.1:9", DIRECTIONS)
    fetched = await fetch_hop(call, ApiResult(exchange), "a-token", client=None)
    assert fetched.record is None and "another origin" in fetched.reason
    assert hop_link(ApiResult(exchange)) == "https://elsewhere.example/h/1"
