"""`v` revokes the token in hand (RFC 7009): the authority says it is inactive, the cache
forgets it, and the token stays in hand so the user can watch the JWT-validating API
still accept it."""

from __future__ import annotations

from m2m_tui.tui.app import M2MApp
from tests.conftest import GIFT, _http
from tests.helpers.tui import notes, settle, text_of


async def test_v_revokes_the_token_in_hand(fresh_session, stack):
    session = fresh_session
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert "No token to revoke: press t" in notes(app)
        await pilot.press("t")
        await settle(pilot)
        token = session.token
        await pilot.press("v")
        await settle(pilot)
        assert "Revoked at" in notes(app) and "accepts it until it expires" in notes(app)
        body = {"token": token, "client_id": GIFT[0], "client_secret": GIFT[1]}
        said = _http().post(stack.issuer + "oauth/introspect", data=body).json()
        assert said == {"active": False}
        assert session.cache.peek(session.profile) is None  # the next t is a new token
        assert session.token == token  # still in hand
        await pilot.press("a", "down", "down", "c")  # directions, with the revoked token
        await settle(pilot)
        assert "← 200" in text_of(app.query_one("#api-response"))
