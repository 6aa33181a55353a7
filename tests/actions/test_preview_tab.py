"""The Preview tab (P): the next token before `t`, each claim's origin (the Action that
set a custom claim), the API's verdict per endpoint; after `t`, the real token beside it,
and a difference marked when the tenant changed in between."""

from __future__ import annotations

from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.notice_line import NoticeLine
from tests.helpers.actions import CLAIM, deployed
from tests.helpers.sessions import make_session
from tests.helpers.tui import settle, text_of


async def test_preview_then_the_token_beside_it(tmp_path, stack):
    session = make_session(tmp_path, stack.issuer, stack.api_url)
    admin = stack.admin()
    deployed(admin, "Tier", CLAIM)
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)
        shown = text_of(app.query_one("#preview-view"))
        assert "Next token for giftdeliveries → urn:worldmappers" in shown
        assert "Action Tier" in shown and "the grant's scopes" in shown
        assert "(iat + 24 h)" in shown  # exp, read as the lifetime it gives
        assert "✓ GET /api/directions" in shown
        assert "✗ GET /api/location/geocode" in shown and "scope_missing" in shown
        assert session.history == []  # nothing was requested: a preview, not a token
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("P")  # the tab was left for the Token tab; back, previewed again
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert "The token is the preview" in text_of(app.query_one(NoticeLine))
        app.action_show_tab("preview")
        await settle(pilot)
        shown = text_of(app.query_one("#preview-view"))
        assert "the token" in shown and "= same" in shown
        assert "✓ The token is the preview" in shown

        # The tenant changes between the preview and the token: the difference is marked.
        grant = admin.get("/client-grants", params={"client_id": "giftdeliveries"}).json()[0]
        await pilot.press("P")
        await settle(pilot)
        admin.patch(
            f"/client-grants/{grant['id']}", json={"scope": ["directions", "geocode:location"]}
        )
        await pilot.press("n")
        await settle(pilot)
        app.action_show_tab("preview")
        await settle(pilot)
        shown = text_of(app.query_one("#preview-view"))
        # scope, and the Action's claim that echoes the scopes it saw.
        assert (
            "The token differs from the preview in: https://worldmappers.example/seen, scope"
            in shown
        )
        assert "≠ directions geocode:location" in shown


async def test_without_a_management_profile_the_preview_says_why(tmp_path, shared_stack):
    from m2m_tui.config.file import load_config
    from m2m_tui.session.session import Session
    from tests.helpers.sessions import write_config

    path = write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    text = path.read_text().split("[profiles.admin]")[0]
    path.write_text(text)
    session = Session.open(load_config(path), tmp_path / "state")
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)
        shown = text_of(app.query_one("#preview-view"))
        assert "✗ No preview:" in shown and "management profile" in shown
