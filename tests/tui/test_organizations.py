"""Organizations for M2M in the app: the Token tab's summary names the token's
organization, the predictions mark the endpoints an organization-serving API will
refuse because of it, the Grants screen changes a grant's organizations, and the Why?
panel says what the grant allows and applies the fix."""

from __future__ import annotations

from dataclasses import replace

import jwt
import pytest
from textual.widgets import DataTable, Input, Select, SelectionList

from m2m_tui.config.file import load_config
from m2m_tui.session.session import Session
from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.grants import GrantsScreen
from m2m_tui.tui.grants.organizations import GrantOrganizations
from tests.conftest import repo_settings, start_stack
from tests.helpers.sessions import write_org_config
from tests.helpers.tui import settle, text_of


def app_for(tmp_path, stack, organization: str | None) -> M2MApp:
    """The app on a profile for `stack` whose token requests name `organization`."""
    write_org_config(tmp_path, stack, organization)
    session = Session.open(load_config(tmp_path / "config.toml"), tmp_path / "state")
    return M2MApp(session, autostart=False)


async def run_app(tmp_path, stack, organization):
    tmp_path.mkdir()
    app = app_for(tmp_path, stack, organization)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        summary = " ".join(text_of(app.query_one("#token-summary")).split())
        table = app.query_one("#endpoints", DataTable)
        predictions = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
    return summary, predictions


async def test_the_summary_and_the_predictions(tmp_path, org_stack):
    summary, predictions = await run_app(tmp_path / "acme", org_stack, "acme")
    assert "organization acme (org_" in summary
    assert not any("organization" in p for p in predictions), predictions
    summary, predictions = await run_app(tmp_path / "none", org_stack, None)
    assert "organization" not in summary
    assert predictions and all("no organization (org_id)" in p for p in predictions)
    _, predictions = await run_app(tmp_path / "globex", org_stack, "globex")
    assert all("organization globex not served" in p for p in predictions), predictions


@pytest.fixture
def acme_api(tmp_path):
    """The bundled pair as a new tenant has it (no organizations, the grant's usage deny),
    the API serving only Acme."""
    settings = repo_settings()
    api = replace(settings.api, require_organization=True, organizations=("acme",))
    stack = start_stack(tmp_path / "state", replace(settings, api=api))
    yield stack
    stack.thread.stop()


async def call_directions(app, pilot) -> int | None:
    await app.api_tab.prepare("/api/directions", {"destination": "Paris"})
    await pilot.press("c")
    await settle(pilot)
    return app.session.history[-1].result.status


async def test_from_the_grants_screen_to_an_accepted_token(tmp_path, acme_api):
    """The issue's walk-through, in the app: create Acme, let the grant use organizations,
    associate Acme, and the next token carries org_id and org_name, which the API takes."""
    app = app_for(tmp_path, acme_api, "acme")
    session = app.session
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert "organization_usage is deny" in session.token_outcome.description
        await pilot.press("g")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, GrantsScreen)
        orgs = screen.query_one(GrantOrganizations)
        assert "deny; the tenant has no organizations" in text_of(orgs.query_one("#org-note"))
        assert not orgs.query_one("#org-list").display  # no empty box
        orgs.query_one("#new-org", Input).value = "acme Acme Corp"
        orgs.query_one("#new-org", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "Created acme" in text_of(screen.query_one("#grants-status"))
        assert orgs.query_one("#org-list").display
        orgs.query_one("#org-usage", Select).value = "allow"  # as picked from the list
        await settle(pilot)
        assert "may name no organization yet" in text_of(orgs.query_one("#org-note"))
        listed = orgs.query_one("#org-list", SelectionList)
        listed.focus()
        listed.highlighted = 0
        await pilot.press("space")  # check Acme
        await settle(pilot)
        assert "may now name acme" in text_of(screen.query_one("#grants-status"))
        assert "allow: token requests may name acme" in text_of(orgs.query_one("#org-note"))
        grant = screen.model.grant_for("giftdeliveries", "urn:worldmappers")
        assert grant["organization_usage"] == "allow"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        claims = jwt.decode(session.token, options={"verify_signature": False})
        assert claims["org_name"] == "acme" and claims["org_id"].startswith("org_")
        assert "organization acme (org_" in text_of(app.query_one("#token-summary"))
        assert await call_directions(app, pilot) == 200


async def test_why_says_what_the_grant_allows_and_f_applies_it(tmp_path, acme_api):
    """No organization in the token: the Why? panel names the problem, says through the
    Management API that the grant does not allow Acme and why, and f changes the grant,
    names Acme in the session's token requests and gets a token the API accepts."""
    admin = acme_api.admin()
    assert admin.post("/organizations", json={"name": "acme"}).status_code == 201
    app = app_for(tmp_path, acme_api, None)
    session = app.session
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert await call_directions(app, pilot) == 401
        await pilot.press("d")
        await settle(pilot)
        why = " ".join(text_of(app.query_one("#why-view")).split())
        assert "the token names none (no org_id)" in why
        assert "does not allow acme: organization_usage is deny" in why
        assert "Press f to apply the fix: set the grant's organization_usage from deny" in why
        await pilot.press("f")
        await settle(pilot)
        grant = admin.get("/client-grants", params={"client_id": "giftdeliveries"}).json()[0]
        assert grant["organization_usage"] == "allow"
        named = admin.get(f"/client-grants/{grant['id']}/organizations").json()
        assert [o["name"] for o in named] == ["acme"]
        assert session.profile.organization == "acme"
        claims = jwt.decode(session.token, options={"verify_signature": False})
        assert claims["org_name"] == "acme"
        assert await call_directions(app, pilot) == 200
