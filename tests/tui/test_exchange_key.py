"""Key `x` on the Token tab: the token exchanged (RFC 8693) as another profile's client,
against the bundled authority; the Inspector draws the act chain, History links the
exchanged token to its subject, a refusal goes to Why?."""

from __future__ import annotations

import pytest

from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.history_list import HistoryList
from tests.helpers.sessions import make_session
from tests.helpers.tui import settle, text_of

ROUTES = "urn:worldmappers:routes"
WORLD_MAPPERS = """issuer = "{issuer}"
client_id = "world-mappers-api"
client_secret = "world-mappers-api-local-secret"
audience = "urn:worldmappers:routes\""""


@pytest.fixture
def session(tmp_path, shared_stack):
    acting = WORLD_MAPPERS.format(issuer=shared_stack.issuer)
    return make_session(
        tmp_path, shared_stack.issuer, shared_stack.api_url, **{"world-mappers": acting}
    )


async def pick(pilot, name: str) -> None:
    """`x`, then the acting profile picked in the list."""
    await pilot.press("t")
    await settle(pilot)
    await pilot.press("x")
    await settle(pilot)
    names = pilot.app.screen.names
    assert "gift" not in names  # the subject's own profile does not act for itself
    for _ in range(names.index(name)):
        await pilot.press("down")
    await pilot.press("enter")
    await settle(pilot)


async def test_x_exchanges_the_token_and_the_inspector_draws_the_chain(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await pick(pilot, "world-mappers")
        said = " ".join(text_of(app.query_one("#token-view")).split())
        assert "✓ Token exchanged by profile world-mappers" in said
        assert "act: world-mappers-api@clients acting for giftdeliveries@clients" in said
        assert session.token not in said
        inspection = " ".join(text_of(app.query_one("#inspection")).split())
        assert "Act chain" in inspection
        assert "world-mappers-api@clients act: acts now" in inspection
        assert "actor (RFC 8693 §4.1): world-mappers-api@clients acts now" in inspection
        # Its scopes against the Routes API's (the Management API's resource server, no
        # profile aiming at it with an api_base_url), never World Mappers' as ✗.
        assert (
            f"Scopes against Routes API ({ROUTES}, from the Management API) 1 granted · "
            "0 not granted" in inspection
        )
        assert "✓ routes:read" in inspection and "✗" not in inspection.split("Scopes")[1]
        # History: the exchange, numbered, linked to the token it came from.
        await pilot.press("h")
        await settle(pilot)
        table = app.query_one("#history-table", HistoryList)
        table.action_jump(-1)
        await settle(pilot)
        last = table.render_line(table.row_count).text
        assert "exchange" in last and "exchanged from #1" in last
        detail = " ".join(text_of(app.query_one("#history-detail")).split())
        assert "exchanged from #1: token giftdeliveries → urn:worldmappers" in detail


async def test_a_refused_exchange_is_said_and_diagnosed_in_why(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await pick(pilot, "admin")  # the Management API's client: no exchange profile
        said = " ".join(text_of(app.query_one("#token-view")).split())
        assert "✗ Exchange refused: unauthorized_client" in said
        why = " ".join(text_of(app.query_one("#why-view")).split())
        assert "Token request refused" in why and "exchange_not_allowed" in why
        # d right after it, as the Token tab says: the refused exchange's diagnosis, not
        # the session's own token's (which would overwrite it).
        await pilot.press("d")
        await settle(pilot)
        assert app.query_one("#tabs").active == "why"
        why = " ".join(text_of(app.query_one("#why-view")).split())
        assert "Token request refused" in why and "exchange_not_allowed" in why
        assert "m2m-admin" in why
        # Once the Token tab shows the session's token again, d is about that token.
        await pilot.press("t")
        await settle(pilot)
        assert app.token_tab.refused_exchange is None


async def test_the_palette_offers_the_exchange(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Exchange the token (RFC 8693)" in commands


async def test_the_head_offers_x_once_a_token_is_held_and_the_picker_names_each_target(session):
    from textual.widgets import OptionList

    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        head = " ".join(text_of(app.query_one("#token-status")).split())
        assert "Press t for a token, n for a new one, ? for help." in head  # no token yet
        await pilot.press("t")
        await settle(pilot)
        head = " ".join(text_of(app.query_one("#token-status")).split())
        assert "Press t for a token, n for a new one, x to exchange it, ? for help." in head
        await pilot.press("x")
        await settle(pilot)
        options = app.screen.query_one(OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(
            line.split() == ["world-mappers", "world-mappers-api", "→", ROUTES] for line in shown
        )
        assert any(line.split()[:2] == ["admin", "m2m-admin"] for line in shown)


async def test_the_head_never_offers_x_without_a_profile_to_act(tmp_path, shared_stack):
    lone = make_session(tmp_path, shared_stack.issuer, shared_stack.api_url)
    lone.config.profiles.pop("admin")
    app = M2MApp(lone, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        head = " ".join(text_of(app.query_one("#token-status")).split())
        assert "✓" in text_of(app.query_one("#token-view")) and "x to exchange" not in head
