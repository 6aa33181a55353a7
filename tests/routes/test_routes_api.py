"""The Routes API and World Mappers' directions by exchange, through the real servers:
Gift Deliveries → World Mappers → (token exchange at the authority) → the Routes API."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from oauth_primitives.downstream_hop import REL, link_targets
from tests.conftest import free_port, repo_settings, start_stack

ROUTES = "urn:worldmappers:routes"
WORLD_MAPPERS_API = ("world-mappers-api", "world-mappers-api-local-secret")


@pytest.fixture
def routed(tmp_path):
    """A stack whose directions go by exchange and the Routes API."""
    running = start_stack(tmp_path / "state", repo_settings(directions_by="routes"))
    yield running
    running.thread.stop()


def _routes(stack, token: str | None, **params) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params = params or {"from": "Seattle", "to": "Auth0 Office"}
    return httpx.get(
        stack.thread.prepared.routes_url + "/api/routes", params=params, headers=headers
    )


def test_directions_go_by_exchange_and_link_the_downstream_hop(routed):
    token = routed.token()
    answer = routed.call("/api/directions", token, origin="Seattle")
    assert answer.status_code == 200, answer.text
    steps = answer.json()  # the original sample's array, as Gift Deliveries expects
    assert isinstance(steps, list) and "Seattle" in steps[0]["action"]
    (link,) = link_targets(answer.headers.get("link"), REL)
    assert link.startswith("/api/directions/hops/")
    hop = routed.call(link, token).json()
    assert hop["api"] == ROUTES and hop["status"] == 200 and hop["elapsed_ms"] >= 0
    exchange = hop["exchange"]
    assert exchange["act"] == {"sub": "world-mappers-api@clients"}
    assert exchange["sub"] == "giftdeliveries@clients" and exchange["aud"] == ROUTES
    assert exchange["scope"] == "routes:read"
    assert hop["body"]["on_behalf_of"] == "giftdeliveries@clients"
    assert hop["body"]["actors"] == ["world-mappers-api@clients"]
    # The record names the request the Routes API received, its query included.
    sent = urlsplit(hop["url"])
    assert f"{sent.scheme}://{sent.netloc}" == routed.thread.prepared.routes_url
    assert sent.path == "/api/routes"
    assert parse_qs(sent.query) == {"from": ["Seattle"], "to": ["Auth0 Office"]}
    assert "eyJ" not in answer.text and "eyJ" not in json.dumps(hop)  # no token shown


def test_the_routes_api_refuses_the_callers_own_token_and_one_without_act(routed):
    forwarded = _routes(routed, routed.token())
    assert forwarded.status_code == 401 and forwarded.json()["rule"] == "aud_mismatch"
    own = _routes(routed, routed.token(WORLD_MAPPERS_API, ROUTES))
    assert own.status_code == 401 and own.json()["rule"] == "actor_missing"
    assert 'error="invalid_token"' in own.headers["www-authenticate"]
    assert own.headers["www-authenticate"].startswith('Bearer realm="routes"')  # its own
    anonymous = _routes(routed, None)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith('Bearer realm="routes"')


def test_the_routes_api_describes_itself_and_answers_only_loopback_names(routed):
    base = routed.thread.prepared.routes_url
    document = httpx.get(base + "/openapi.json").json()
    operation = document["paths"]["/api/routes"]["get"]
    assert operation["x-required-scope"] == "routes:read" and document["x-audience"] == ROUTES
    meta = httpx.get(base + "/.well-known/oauth-protected-resource").json()
    assert meta["accepted_actors"] == ["world-mappers-api@clients"] and meta["require_actor"]
    assert httpx.get(base + "/health", headers={"Host": "evil.example"}).status_code == 400


def test_a_refused_exchange_is_a_502_naming_the_authoritys_rule(routed):
    admin = routed.admin()
    grants = admin.get("/client-grants", params={"client_id": WORLD_MAPPERS_API[0]}).json()
    (grant,) = [g for g in grants if g["audience"] == ROUTES]
    assert admin.delete(f"/client-grants/{grant['id']}").status_code == 204
    answer = routed.call("/api/directions", routed.token())
    assert answer.status_code == 502
    body = answer.json()
    assert body["error"] == "exchange_refused"
    exchange = body["downstream"]["exchange"]
    assert exchange["status"] == 403 and exchange["rule"] == "no_client_grant"
    (link,) = link_targets(answer.headers.get("link"), REL)  # the 502's hop is kept too
    assert routed.call(link, routed.token()).json() == body["downstream"]


def test_an_unreachable_routes_api_is_a_502_downstream_unavailable(tmp_path):
    settings = repo_settings(directions_by="routes")
    closed = f"http://127.0.0.1:{free_port()}"
    settings = replace(settings, api=replace(settings.api, routes_url=closed, fetch_timeout=2.0))
    stack = start_stack(tmp_path / "state", settings)
    try:
        answer = stack.call("/api/directions", stack.token())
        assert answer.status_code == 502
        body = answer.json()
        assert body["error"] == "downstream_unavailable"
        assert body["downstream"]["exchange"]["status"] == 200  # the exchange itself worked
    finally:
        stack.thread.stop()


def test_directions_stay_local_where_the_routes_api_is_not_served(routed, tmp_path):
    """The API alone (`--only api`): no Routes API here, and an issuer that is not this
    serve's own authority: directions are computed in-process, as before."""
    alone = start_stack(
        tmp_path / "alone", repo_settings(directions_by="routes"), only="api", issuer=routed.issuer
    )
    try:
        assert alone.api_state.downstream is None
        answer = alone.call("/api/directions", routed.token())
        assert answer.status_code == 200 and isinstance(answer.json(), list)
        assert "link" not in answer.headers  # no hop made, none linked
    finally:
        alone.thread.stop()


def test_an_exchanged_token_is_reused_briefly_and_a_revoked_caller_refused_soon(routed):
    """World Mappers reuses the Routes API token of a caller's token for REUSE_SECONDS,
    saying so (remembered, exchanged_at); after that it asks the authority again, which
    refuses a caller's token revoked since (it was reused until the token's exp: an hour)."""
    import time

    from api_server.resource.downstream import REUSE_SECONDS
    from tests.conftest import GIFT, _http

    downstream = routed.api_state.downstream
    now = [time.time()]
    downstream.clock = lambda: now[0]
    token = routed.token()

    def hop() -> dict:
        answer = routed.call("/api/directions", token)
        if answer.status_code != 200:
            return answer.json()["downstream"]
        (link,) = link_targets(answer.headers.get("link"), REL)
        return routed.call(link, token).json()

    first = hop()["exchange"]
    assert "remembered" not in first and first["exchanged_at"] == int(now[0])
    now[0] += REUSE_SECONDS - 1
    again = hop()["exchange"]
    assert again["remembered"] is True and again["exchanged_at"] == first["exchanged_at"]

    body = {"token": token, "client_id": GIFT[0], "client_secret": GIFT[1]}
    assert _http().post(routed.issuer + "oauth/revoke", data=body).status_code == 200
    now[0] += 2  # past the reuse: the authority is asked again, and refuses
    refused = hop()
    assert refused["exchange"]["rule"] == "subject_token_invalid"
    assert "revoked" in refused["exchange"]["error_description"]
