"""Pilot tests of the Grants screen against the bundled tenant running in the test."""

from __future__ import annotations

import jwt
import pytest
from textual.widgets import DataTable, Input, SelectionList, TabbedContent

from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.grants import GrantsScreen
from tests.helpers.actions import deployed
from tests.helpers.sessions import make_session
from tests.helpers.tui import screen_words, settle, text_of


async def open_grants(app, pilot) -> GrantsScreen:
    await pilot.press("g")
    screen = app.screen
    assert isinstance(screen, GrantsScreen)
    await settle(pilot)
    return screen


@pytest.fixture
def session(fresh_session):
    """These tests change grants, clients or keys: each has servers of its own."""
    return fresh_session


async def test_update_then_test_shows_the_scope_diff_and_predictions_follow(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        screen = await open_grants(app, pilot)
        clients = screen.query_one("#clients", DataTable)
        name, client_id, mark = (str(c) for c in clients.get_row_at(0))
        assert (name, mark) == ("Gift Deliveries", "✓ authorized")
        # Side by side, the id gives way before a name does (the longest client's name).
        head, _, tail = client_id.partition("…")
        assert "giftdeliveries".startswith(head) and "giftdeliveries".endswith(tail)
        scopes = screen.query_one("#scopes", SelectionList)
        assert scopes.selected == ["directions"] and scopes.option_count == 3
        scopes.select("geocode:location")
        await pilot.press("ctrl+u")
        await settle(pilot)
        assert "Saved" in text_of(screen.query_one("#grants-status"))
        await pilot.press("ctrl+t")
        await settle(pilot)
        diff = text_of(screen.query_one("#diff"))
        assert "+geocode:location" in diff and "directions" in diff, text_of(
            screen.query_one("#grants-status")
        )
        # The scope diff once: the token diff leads with it, nothing repeats it above.
        assert diff.count("scopes: ") == 1 and diff.count("+geocode:location") == 1
        assert "jti" in diff  # the claims that differ, volatile ones included
        claims = jwt.decode(session.token, options={"verify_signature": False})
        assert claims["scope"] == "directions geocode:location"
        await pilot.press("escape")
        await pilot.pause()
        table = app.query_one("#endpoints", DataTable)
        assert str(table.get_row_at(0)[3]) == "✓"  # geocode is predicted to pass now


async def test_the_grants_screen_opens_while_a_bound_action_fails(session, stack):
    """A broken Action fails every token request but the Management API's own: the
    screen that fixes things still opens, and lists the clients."""
    code = "exports.onExecuteCredentialsExchange = async () => { throw new Error('down'); };"
    deployed(stack.admin(), "Thrower", code)
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_grants(app, pilot)
        clients = screen.query_one("#clients", DataTable)
        assert clients.row_count > 0, text_of(screen.query_one("#grants-status"))
        assert str(clients.get_row_at(0)[0]) == "Gift Deliveries"


async def test_a_grant_changed_underneath_is_reported_not_overwritten(session, stack):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_grants(app, pilot)
        admin = stack.admin()
        grant = admin.get("/client-grants", params={"client_id": "giftdeliveries"}).json()[0]
        admin.patch(
            f"/client-grants/{grant['id']}",
            json={"scope": ["directions", "reverse-geocode:location"]},
        )
        screen.query_one("#scopes", SelectionList).select("geocode:location")
        await pilot.press("ctrl+u")
        await settle(pilot)
        status = text_of(screen.query_one("#grants-status"))
        assert "changed underneath" in status and "reverse-geocode:location" in status
        # The other editor's change survived; ours was not written.
        assert admin.get(f"/client-grants/{grant['id']}").json()["scope"] == [
            "directions",
            "reverse-geocode:location",
        ]
        # The screen reloaded: it now shows what is really granted.
        assert sorted(screen.query_one("#scopes", SelectionList).selected) == [
            "directions",
            "reverse-geocode:location",
        ]


async def test_authorize_and_revoke_a_client(session, stack):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_grants(app, pilot)
        clients = screen.query_one("#clients", DataTable)
        clients.focus()
        await pilot.press("down")
        await pilot.pause()
        assert screen.editor.client_id == "m2m-admin"
        await pilot.press("ctrl+g")
        await settle(pilot)
        admin = stack.admin()
        grants = admin.get(
            "/client-grants", params={"client_id": "m2m-admin", "audience": "urn:worldmappers"}
        ).json()
        assert len(grants) == 1 and grants[0]["scope"] == []
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert (
            admin.get(
                "/client-grants", params={"client_id": "m2m-admin", "audience": "urn:worldmappers"}
            ).json()
            == []
        )


async def test_add_a_scope_to_the_api_and_create_a_client(session, stack):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_grants(app, pilot)
        box = screen.query_one("#new-scope", Input)
        box.focus()
        box.value = "traffic:read Read live traffic"
        await pilot.press("enter")
        await settle(pilot)
        rs = stack.admin().get("/resource-servers/urn:worldmappers").json()
        assert {"value": "traffic:read", "description": "Read live traffic"} in rs["scopes"]
        scopes = screen.query_one("#scopes", SelectionList)
        assert scopes.option_count == 4
        scopes.focus()
        scopes.highlighted = 3
        await pilot.press("ctrl+d")
        await settle(pilot)
        rs = stack.admin().get("/resource-servers/urn:worldmappers").json()
        assert [s["value"] for s in rs["scopes"]] == [
            "directions",
            "geocode:location",
            "reverse-geocode:location",
        ]
        box = screen.query_one("#new-client", Input)
        box.focus()
        box.value = "Route Planner"
        await pilot.press("enter")
        await settle(pilot)
        created = text_of(screen.query_one("#created"))
        secret = screen.editor.created["client_secret"]
        assert "Route Planner" in created and secret not in created and "••••" in created
        await pilot.press("escape", "ctrl+r")
        assert secret in text_of(screen.query_one("#created"))


@pytest.mark.slow
async def test_rotate_and_revoke_with_the_apis_answer_before_and_after(tmp_path, quick_jwks_stack):
    session = make_session(tmp_path, quick_jwks_stack.issuer, quick_jwks_stack.api_url)
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        old_kid = jwt.get_unverified_header(session.token)["kid"]
        screen = await open_grants(app, pilot)
        screen.query_one("#grants-tabs", TabbedContent).active = "keys-pane"
        await pilot.pause()
        await pilot.click("#rotate")
        await settle(pilot)
        await pilot.click("#check-old")
        await settle(pilot)
        assert "accepts the old-key token (200)" in text_of(screen.query_one("#keys-status"))
        keys = screen.query_one("#keys", DataTable)
        row = next(i for i, k in enumerate(screen.model.keys) if k["kid"] == old_kid)
        keys.move_cursor(row=row)
        await pilot.click("#revoke")
        await settle(pilot)
        assert screen.model.keys[row]["revoked"] is True, text_of(screen.query_one("#keys-status"))
        await pilot.click("#check-old")
        await settle(pilot)
        status = text_of(screen.query_one("#keys-status"))
        assert "refuses the old-key token (401)" in status
        assert "✗ kid" in status


async def test_a_new_client_needs_a_short_unique_name_or_a_confirmation(session, stack):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_grants(app, pilot)
        box = screen.query_one("#new-client", Input)
        box.focus()
        status = screen.query_one("#grants-status")

        async def submit(name: str) -> str:
            box.value = name
            await pilot.press("enter")
            await settle(pilot)
            return text_of(status)

        assert "A client needs a name" in await submit("   ")
        assert "has 540 characters; Auth0 allows at most 100" in await submit("x" * 540)
        assert "exists already (giftdeliveries)" in await submit("Gift Deliveries")
        names = [c["name"] for c in stack.admin().get("/clients").json()]
        assert "x" * 540 not in names and names.count("Gift Deliveries") == 1
        await submit("Gift Deliveries")  # Enter again: confirmed
        names = [c["name"] for c in stack.admin().get("/clients").json()]
        assert names.count("Gift Deliveries") == 2
        longest = "L" * 100
        await submit(longest)
        assert longest in [c["name"] for c in stack.admin().get("/clients").json()]


async def test_long_names_shrink_with_an_ellipsis_and_every_column_stays(session, stack):
    stack.admin().post("/clients", json={"name": "N" * 100, "app_type": "non_interactive"})
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_grants(app, pilot)
        for table_id, columns in (
            ("#apis", ["API", "identifier", "scopes", "binding"]),
            ("#clients", ["client", "client_id", "authorized"]),
        ):
            table = screen.query_one(table_id, DataTable)
            labels = [str(c.label) for c in table.columns.values()]
            assert len(labels) == len(columns)  # no column dropped
            for label, column in zip(labels, columns, strict=True):
                assert label and column.startswith(label.rstrip("…"))
            assert sum(c.get_render_width(table) for c in table.columns.values()) <= (
                table.size.width
            )
        clients = screen.query_one("#clients", DataTable)
        names = [str(clients.get_row_at(i)[0]) for i in range(clients.row_count)]
        assert any(n.startswith("NNN") and "…" in n and len(n) < 100 for n in names)
        marks = [str(clients.get_row_at(i)[2]) for i in range(clients.row_count)]
        assert "✓ authorized" in marks  # the authorized column still shows


async def test_a_filter_that_matches_nothing_says_so(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_grants(app, pilot)
        box = screen.query_one("#scope-filter", Input)
        box.focus()
        await pilot.press(*"zzz")
        await pilot.pause()
        empty = screen.query_one("#scope-empty")
        assert empty.display and "No scope of World Mappers API matches “zzz”" in text_of(empty)
        await pilot.press("backspace", "backspace", "backspace", *"geo")
        await pilot.pause()
        assert not empty.display
        assert screen.query_one("#scopes", SelectionList).option_count == 2


async def test_ctrl_a_and_ctrl_n_check_what_the_filter_shows_and_keep_what_it_hides(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_grants(app, pilot)
        scopes = screen.query_one("#scopes", SelectionList)
        assert scopes.selected == ["directions"]  # Gift Deliveries' grant
        box = screen.query_one("#scope-filter", Input)
        box.focus()
        await pilot.press(*"geo")
        await pilot.pause()
        await pilot.press("ctrl+a")
        await pilot.pause()
        assert sorted(scopes.selected) == ["geocode:location", "reverse-geocode:location"]
        # The filter hides directions; it stays granted.
        assert screen.editor.chosen_scopes() == [
            "directions",
            "geocode:location",
            "reverse-geocode:location",
        ]
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert scopes.selected == [] and screen.editor.chosen_scopes() == ["directions"]


async def test_at_80x24_every_name_shows_whole_and_as_written(session, stack):
    """At 80 columns the catalog stacks above the editor: names are read, ids give way;
    a name with square brackets is the tenant's, not markup."""
    stack.admin().post("/clients", json={"name": "[x] Robot", "app_type": "non_interactive"})
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_grants(app, pilot)
        shown = screen_words(app)
        for name in (
            "World Mappers API",
            "Gift Deliveries",
            "World Mappers Admin",
            "World Mappers API (introspection)",
            "[x] Robot",
        ):
            assert name in shown, (name, shown)
