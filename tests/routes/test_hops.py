"""The record of World Mappers' downstream hop, linked from its directions answer
(RFC 8288) and kept for the caller alone, a short while, through the real servers."""

from __future__ import annotations

import time

import httpx
import pytest

from api_server.resource.hops import KEPT_SECONDS
from m2m_tui.api.client import endpoints_from_openapi
from oauth_primitives.downstream_hop import REL, link_targets
from tests.conftest import claims, repo_settings, signed, start_stack


@pytest.fixture(scope="module")
def routed(tmp_path_factory):
    """Directions by exchange; these tests leave the tenant as it was."""
    running = start_stack(tmp_path_factory.mktemp("hops"), repo_settings(directions_by="routes"))
    yield running
    running.thread.stop()


def _directions(stack, token: str) -> str:
    """The hop link of a directions answer (which stays an array)."""
    answer = stack.call("/api/directions", token, destination="Paris")
    assert answer.status_code == 200 and isinstance(answer.json(), list), answer.text
    (link,) = link_targets(answer.headers["link"], REL)
    return link


def test_the_same_caller_reads_the_hop_back_with_another_token_of_its_own(routed):
    link = _directions(routed, routed.token())
    again = routed.call(link, routed.token(scope="directions"))  # a new token, same sub
    assert again.status_code == 200 and again.headers["cache-control"] == "no-store"
    hop = again.json()
    assert hop["status"] == 200 and hop["body"]["to"] == "Paris"
    assert hop["exchange"]["act"] == {"sub": "world-mappers-api@clients"}


def test_another_clients_token_gets_a_404_as_for_no_hop_at_all(routed):
    link = _directions(routed, routed.token())
    other = signed(routed, claims(routed, sub="otherclient@clients", azp="otherclient"))
    refused = routed.call(link, other)
    assert refused.status_code == 404 and refused.json()["error"] == "not_found"
    unknown = routed.call("/api/directions/hops/nosuchhop", routed.token())
    assert unknown.status_code == 404
    assert routed.call(link).status_code == 401  # and no token at all: no hop either
    assert routed.call(link, routed.token()).status_code == 200  # still there for its own


def test_a_token_without_sub_gets_no_hop_record_anyone_without_sub_could_read(routed):
    anonymous = signed(routed, claims(routed, sub=None))
    answer = routed.call("/api/directions", anonymous)
    # The authority will not exchange it; the 502 tells the hop in its body, as ever.
    assert answer.status_code == 502 and answer.json()["downstream"]["exchange"]["rule"]
    assert "link" not in answer.headers


def test_a_hop_record_is_gone_once_its_time_is_up(routed):
    token = routed.token()
    link = _directions(routed, token)
    hops = routed.api_state.downstream.hops
    started = time.monotonic()
    hops.clock = lambda: started + KEPT_SECONDS - 5
    try:
        assert routed.call(link, token).status_code == 200
        hops.clock = lambda: started + KEPT_SECONDS + 1
        assert routed.call(link, token).status_code == 404
    finally:
        hops.clock = time.monotonic


def test_the_openapi_document_lists_the_hop_record_but_clients_list_no_such_endpoint(routed):
    document = httpx.get(routed.api_url + "/openapi.json").json()
    directions = document["paths"]["/api/directions"]["get"]
    ok = directions["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"type": "array"}
    assert REL in ok["headers"]["Link"]["description"]
    hop = document["paths"]["/api/directions/hops/{id}"]["get"]
    assert hop["x-required-scope"] == "directions"
    assert hop["parameters"][0]["in"] == "path" and hop["parameters"][0]["required"]
    # The app lists what one types a call for; a hop is reached by its link.
    paths = [e.path for e in endpoints_from_openapi(document)]
    assert "/api/directions" in paths and not any("{" in p for p in paths)
