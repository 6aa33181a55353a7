"""The Grants screen's token exchange policy (RFC 8693): for the picked client, which
profiles it may exchange through, for which APIs, how scopes narrow; and, by keyboard,
letting it exchange through a profile, adding and removing an audience, and editing the
scope map, each written to the tenant and said in the history."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, SelectionList

from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.grants import GrantsScreen
from tests.helpers.tui import screen_words, settle, text_of

ROUTES = "urn:worldmappers:routes"


@pytest.fixture
def session(fresh_session):
    """These tests change the tenant's token exchange profiles: servers of their own."""
    return fresh_session


def words(screen, selector: str) -> str:
    return " ".join(text_of(screen.query_one(selector)).split())


def seeded(stack) -> dict:
    (profile,) = stack.admin().get("/token-exchange-profiles").json()["token_exchange_profiles"]
    return profile


async def type_in(pilot, screen, selector: str, text: str) -> None:
    screen.query_one(selector).focus()
    await pilot.press(*text, "enter")
    await settle(pilot)


async def test_the_policy_shown_and_edited_by_keyboard(session, stack):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 60)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, GrantsScreen)
        assert screen.editor.client_id == "giftdeliveries"
        note = words(screen, "#exchange-note")
        assert (
            "No token exchange profile lets giftdeliveries exchange tokens yet: space on a "
            "profile below lets it." in note
        ), note
        assert "No profile exchanges tokens for urn:worldmappers." in note
        detail = words(screen, "#exchange-detail")
        assert "scope map routes:read ← directions" in detail, detail
        assert "id tep_" in detail
        assert "clients world-mappers-api" in detail
        assert f"audiences {ROUTES}" in detail
        assert "subject tokens access_token of this issuer" in detail
        listed = screen.query_one("#exchange-profiles", SelectionList)
        assert listed.selected == []
        # The inputs' hints are read whole in an editor column of a narrow screen.
        for hint in ("#exchange-audience", "#exchange-scope"):
            assert len(screen.query_one(hint).placeholder) <= 40

        # ctrl+x, then space on the profile: Gift Deliveries may now exchange through it.
        listed.highlighted = None
        await pilot.press("ctrl+x")
        await settle(pilot)
        assert screen.focused is listed and listed.highlighted == 0  # on the first profile
        await pilot.press("space")
        await settle(pilot)
        status = words(screen, "#grants-status")
        assert "✓ giftdeliveries may now exchange tokens through World Mappers to Routes API" in (
            status
        )
        assert seeded(stack)["client_ids"] == ["world-mappers-api", "giftdeliveries"]
        note = words(screen, "#exchange-note")
        assert (
            "giftdeliveries may exchange access tokens "
            f"(urn:ietf:params:oauth:token-type:access_token) of this issuer for {ROUTES}: "
            "routes:read ← directions" in note
        ), note
        # Which it cannot, without a grant on the Routes API: said, not overstated.
        assert f"But giftdeliveries has no grant on {ROUTES}" in note, note
        assert "no_client_grant" in note
        assert listed.selected == [seeded(stack)["id"]]

        # An audience added, then removed, by typing it.
        await type_in(pilot, screen, "#exchange-audience", "urn:worldmappers")
        assert seeded(stack)["audiences"] == [ROUTES, "urn:worldmappers"]
        assert "now exchanges tokens for urn:worldmappers" in words(screen, "#grants-status")
        note = words(screen, "#exchange-note")
        assert "Tokens for urn:worldmappers may be had by exchange through World Mappers" in note
        await type_in(pilot, screen, "#exchange-audience", "-urn:worldmappers")
        assert seeded(stack)["audiences"] == [ROUTES]

        # The scope map: a target mapped from two subject scopes, then another unmapped.
        await type_in(pilot, screen, "#exchange-scope", "geocode:location=directions,geo")
        assert seeded(stack)["scope_map"] == {
            "routes:read": ["directions"],
            "geocode:location": ["directions", "geo"],
        }
        assert "geocode:location ← directions or geo" in words(screen, "#exchange-detail")
        await type_in(pilot, screen, "#exchange-scope", "routes:read=")
        assert seeded(stack)["scope_map"] == {"geocode:location": ["directions", "geo"]}
        assert "routes:read is no longer mapped" in words(screen, "#grants-status")
        await type_in(pilot, screen, "#exchange-scope", "no equals sign")
        assert "is not TARGET_SCOPE=SUBJECT_SCOPE" in words(screen, "#grants-status")

        # Space again: no longer.
        listed.focus()
        await pilot.press("space")
        await settle(pilot)
        assert seeded(stack)["client_ids"] == ["world-mappers-api"]
        assert "may no longer exchange tokens through" in words(screen, "#grants-status")

        # Each change is in the history, in words.
        changes = [e.summary for e in session.history if e.kind == "admin"]
        pid = seeded(stack)["id"]
        assert f"token exchange profile {pid}: client_ids → world-mappers-api giftdeliveries" in (
            changes
        )
        assert (
            f"token exchange profile {pid}: scope_map → geocode:location ← directions geo"
            in changes
        ), changes

        # Another client: World Mappers' own, which the seed lets exchange.
        clients = screen.query_one("#clients", DataTable)
        clients.focus()
        while screen.editor.client_id != "world-mappers-api":
            await pilot.press("down")
            await settle(pilot)
        assert listed.selected == [pid]
        assert "Token exchange (RFC 8693)" in screen_words(app)


async def test_a_tenant_without_profiles_says_how_to_make_one(session, stack):
    admin = stack.admin()
    assert admin.delete(f"/token-exchange-profiles/{seeded(stack)['id']}").status_code == 204
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 60)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        screen = app.screen
        note = words(screen, "#exchange-note")
        assert "The tenant has no token exchange profile." in note
        assert "m2m-tui exchange-profiles create --name NAME --client CLIENT" in note
        assert not screen.query_one("#exchange-profiles").display
        assert not screen.query_one("#exchange-audience").display


async def test_a_profile_no_client_may_use_gives_no_api_tokens(session, stack):
    admin = stack.admin()
    empty = {
        "name": "Gift Deliveries to Routes",
        "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
        "type": "custom_authentication",
        "client_ids": [],
        "audiences": ["urn:worldmappers"],
    }
    assert admin.post("/token-exchange-profiles", json=empty).status_code == 201
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 60)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        note = words(app.screen, "#exchange-note")
        assert "Gift Deliveries to Routes" not in note, note
        assert "No profile exchanges tokens for urn:worldmappers." in note
