"""The Grants screen shows the picked client's token quota (its own, or the tenant's
default) and how much of it is used, from the quota headers of this session's latest
token response for that client; a Test updates it, and a client over its quota is told
why its Test was refused."""

from __future__ import annotations

import time

import pytest
from textual.widgets import DataTable

from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.grants import GrantsScreen
from tests.helpers.tui import settle, text_of


@pytest.fixture
def session(fresh_session):
    """These tests set quotas: each has servers of its own."""
    return fresh_session


def quota_text(screen) -> str:
    return " ".join(text_of(screen.query_one("#client-quota")).split())


async def test_the_quota_and_its_use_follow_the_tokens_of_the_session(session, stack):
    frozen = time.time()
    stack.authority.clock = lambda: frozen  # no UTC hour may end during the test
    admin = stack.admin()
    quota = {"client_credentials": {"per_hour": 2, "per_day": 50}}
    assert admin.patch("/clients/giftdeliveries", json={"token_quota": quota}).status_code == 200
    defaults = {"clients": {"client_credentials": {"per_day": 7, "enforce": False}}}
    admin.patch("/tenants/settings", json={"default_token_quota": defaults})
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")  # the session's own token request: its headers tell the use
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, GrantsScreen)
        shown = quota_text(screen)
        assert screen.editor.client_id == "giftdeliveries"  # first still, with its quota set
        assert "Token quota 2 per hour, 50 per day, enforced (its own)" in shown, shown
        assert "1 of 2 used this hour, resets in" in shown
        assert "1 of 50 used today" in shown
        assert "Auth0-Client-Quota-Limit header of this session's token response" in shown
        await pilot.press("ctrl+t")  # Test: a second token, the hour used up
        await settle(pilot)
        assert "2 of 2 used this hour" in quota_text(screen)
        await pilot.press("ctrl+t")  # a third: refused, and the diff says why
        await settle(pilot)
        diff = " ".join(text_of(screen.query_one("#diff")).split())
        assert "too_many_requests: Client quota exceeded" in diff
        assert "Client quota used up: client giftdeliveries may get 2 tokens per hour" in diff
        # Another client: the tenant's default, and no use seen in this session.
        clients = screen.query_one("#clients", DataTable)
        clients.focus()
        await pilot.press("down")
        await settle(pilot)
        assert screen.editor.client_id == "m2m-admin"
        shown = quota_text(screen)
        assert (
            "Token quota 7 per day, not enforced: counted, never refused "
            "(the tenant's default for clients)" in shown
        ), shown
        assert "Used: not known yet" in shown
