"""The API tab draws World Mappers' downstream hop, through the real servers (directions
by exchange and the Routes API): read back through the answer's Link with the same
token, or one line saying why it is not shown."""

from __future__ import annotations

import pytest

from api_server.resource.hops import KEPT
from m2m_tui.tui.app import M2MApp
from tests.conftest import repo_settings, start_stack
from tests.helpers.sessions import make_session
from tests.helpers.tui import settle, text_of

ROUTES = "urn:worldmappers:routes"


@pytest.fixture(scope="module")
def routed(tmp_path_factory):
    running = start_stack(tmp_path_factory.mktemp("routed"), repo_settings(directions_by="routes"))
    yield running
    running.thread.stop()


async def call_directions(app, pilot) -> str:
    await settle(pilot)
    await pilot.press("t")
    await settle(pilot)
    await pilot.press("a", "down", "down", "c")
    await settle(pilot)
    return " ".join(text_of(app.query_one("#api-response")).split())


async def test_a_directions_call_draws_the_linked_hop(tmp_path, routed):
    session = make_session(tmp_path, routed.issuer, routed.api_url)
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        shown = await call_directions(app, pilot)
    assert "← 200" in shown and "Arrive at" in shown  # the answer itself, as ever
    # One line on top says what answered behind it; the request stays in view below it.
    headline = (
        f"↳ behind it: 200 from {ROUTES}, by token exchange: world-mappers-api@clients "
        "acting for giftdeliveries@clients"
    )
    assert shown.index(headline) < shown.index("GET http") < shown.index("Downstream hop:")
    assert f"Downstream hop: {ROUTES}, as the API received it" in shown
    assert "✓ exchange: 200" in shown and "scope routes:read" in shown
    assert "act: world-mappers-api@clients acting for giftdeliveries@clients" in shown
    assert f"200 GET {routed.thread.prepared.routes_url}/api/routes?from=" in shown
    assert session.token not in shown


async def test_a_hop_the_api_no_longer_keeps_is_said_in_one_line(tmp_path, routed):
    hops = routed.api_state.downstream.hops
    hops.kept = 0  # every record dropped as soon as it is linked
    try:
        session = make_session(tmp_path, routed.issuer, routed.api_url)
        app = M2MApp(session, autostart=False)
        async with app.run_test(size=(120, 40)) as pilot:
            shown = await call_directions(app, pilot)
    finally:
        hops.kept = KEPT
    assert "← 200" in shown
    assert "Downstream hop not shown: the API keeps no such hop for this token's caller" in shown
    assert "✓ exchange" not in shown
