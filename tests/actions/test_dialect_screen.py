"""The Grants screen moves the API through Auth0's four token dialects (ctrl+l); the next
token follows: access_token_authz puts RBAC's permissions in it, and the Inspector names
the dialect."""

from __future__ import annotations

import jwt

from m2m_tui.tui.app import M2MApp
from tests.helpers.sessions import make_session
from tests.helpers.tui import settle, text_of


async def test_ctrl_l_changes_the_dialect_and_the_next_token_follows(tmp_path, stack):
    session = make_session(tmp_path, stack.issuer, stack.api_url)  # a tenant of its own
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        screen = app.screen
        title = screen.query_one("#grant-title")
        assert "dialect access_token" in text_of(title)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert "dialect access_token_authz" in text_of(title)
        said = text_of(screen.query_one("#grants-status"))
        assert "now issues access_token_authz tokens" in said and "RBAC is on" in said
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        claims = jwt.decode(session.token, options={"verify_signature": False})
        assert claims["permissions"] == claims["scope"].split()
        await pilot.press("i")
        await settle(pilot)
        assert "dialect access_token_authz" in text_of(app.query_one("#inspection"))
