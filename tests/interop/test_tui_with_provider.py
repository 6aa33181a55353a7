"""The app driven against oidc-provider, which has no Management API: a refusal is
explained with the fix to make in the provider's console, `f` says why it cannot apply
it, and the Grants screen says so in one sentence instead of showing empty tables."""

from __future__ import annotations

from m2m_tui.config.file import load_config
from m2m_tui.session.session import Session
from m2m_tui.tui.app import M2MApp
from tests.helpers.tui import notes, settle, text_of


async def test_why_f_and_grants_explain_themselves_on_a_provider(tmp_path, provider, bundled_api):
    (tmp_path / "config.toml").write_text(provider.profiles(bundled_api.api_url))
    session = Session.open(load_config(tmp_path / "config.toml"), tmp_path / "state", "basic")
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")  # scope: directions only
        await settle(pilot)
        await pilot.press("a", "c")  # the first endpoint, geocode: 403
        await settle(pilot)
        why = " ".join(text_of(app.query_one("#why-view")).split())
        assert "missing geocode:location" in why
        assert "Press f" not in why and "console" in why and "generic provider" in why
        await pilot.press("f")
        await settle(pilot)
        said = notes(app)
        assert "f cannot apply this fix" in said and provider.issuer in said
        await pilot.press("g")
        await settle(pilot)
        status = " ".join(text_of(app.screen.query_one("#grants-status")).split())
        assert status.startswith("✗ Grants cannot be shown or changed here:")
        assert "provider's console" in status
        assert not app.screen.query_one("#grants-tabs").display  # no empty tables
