"""The Why? tab: diagnoses on demand and on refusal, and the scope fix."""

from __future__ import annotations

import jwt
from textual.widgets import Input, TabbedContent

from m2m_tui.tui.app import M2MApp
from tests.tui.conftest import paste, settle, text_of


async def test_d_diagnoses_a_pasted_token(session, shared_stack):
    stack = shared_stack
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        mgmt = stack.token(("m2m-admin", "m2m-admin-local-secret"), stack.issuer + "api/v2/")
        await paste(pilot, mgmt)
        await pilot.press("escape", "d")
        await settle(pilot)
        assert app.query_one("#tabs", TabbedContent).active == "why"
        why = text_of(app.query_one("#why-view"))
        assert "REJECTED" in why and "this is a Management API token" in why


async def test_d_on_a_request_error_says_the_token_was_not_refused(session):

    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("a", "down", "down")  # directions, which Gift Deliveries holds
        await settle(pilot)
        app.query_one("#param-destination", Input).value = "Xyzzyville"
        await pilot.press("d")
        await settle(pilot)
        why = text_of(app.query_one("#why-view"))
        assert why.startswith("ACCEPTED")
        assert "The token was not refused; the request failed: 404" in why
        assert "no known place matches destination 'Xyzzyville'" in why
        assert "Likely reasons" not in why and "Press f" not in why


async def test_the_why_panel_applies_the_scope_fix_and_the_next_token_changes(fresh_session):
    session = fresh_session  # the fix changes the tenant's grant
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("a", "c")  # geocode, with directions only: 403
        await settle(pilot)
        why = text_of(app.query_one("#why-view"))
        # The client is named as the dashboard names it, through the Management API.
        assert "Grant `geocode:location` to Gift Deliveries on urn:worldmappers" in why
        assert "Press f to apply the fix" in why
        await pilot.press("f")
        await settle(pilot)
        assert (
            "geocode:location"
            in jwt.decode(session.token, options={"verify_signature": False})["scope"]
        )
        await pilot.press("c")
        await settle(pilot)
        assert "← 200" in text_of(app.query_one("#api-response"))
