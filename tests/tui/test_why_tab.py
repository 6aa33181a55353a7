"""The Why? tab: diagnoses on demand and on refusal, and the scope fix."""

from __future__ import annotations

import jwt
from textual.widgets import Input, TabbedContent

from m2m_tui.tui.app import M2MApp
from tests.helpers.sessions import make_session
from tests.helpers.tui import paste, settle, text_of


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


async def test_without_a_management_api_the_fix_says_where_and_f_says_why_not(
    tmp_path, shared_stack
):
    """A token from a provider m2m-tui cannot administer (here: the bundled issuer under
    a generic profile, with no management profile): the Why? panel says what to change
    in the provider's console, and f explains itself instead of doing nothing."""
    from tests.helpers.tui import notes

    path = tmp_path / "config.toml"
    path.write_text(
        'default_profile = "other"\n\n[profiles.other]\n'
        f'issuer = "{shared_stack.issuer.rstrip("/")}"\n'
        f'token_endpoint = "{shared_stack.issuer}oauth/token"\n'
        'client_id = "giftdeliveries"\nclient_secret = "giftdeliveries-local-secret"\n'
        'provider = "generic"\naudience = "urn:worldmappers"\n'
        f'api_base_url = "{shared_stack.api_url}"\n'
    )
    from m2m_tui.config.file import load_config
    from m2m_tui.session.session import Session

    session = Session.open(load_config(path), tmp_path / "state")
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("a", "c")  # geocode: 403
        await settle(pilot)
        why = " ".join(text_of(app.query_one("#why-view")).split())
        assert "Press f" not in why
        assert "Grant geocode:location to giftdeliveries for urn:worldmappers" in why
        assert "authorization server's console" in why and "generic provider" in why
        await pilot.press("f")
        await settle(pilot)
        said = notes(app)
        assert "f cannot apply this fix" in said and "console" in said


async def test_a_fix_that_fails_is_said_never_silent(tmp_path, stack):
    """A management profile whose own token request fails: the fix is not applied, and the
    notification says so (the worker's error was once swallowed)."""
    from m2m_tui.config.file import load_config
    from m2m_tui.session.session import Session
    from tests.helpers.sessions import write_config
    from tests.helpers.tui import notes

    # The only management profile for this issuer holds a wrong secret.
    write_config(
        tmp_path / "config.toml",
        stack.issuer,
        stack.api_url,
        admin2=(
            f'issuer = "{stack.issuer}"\nclient_id = "m2m-admin"\n'
            f'client_secret = "wrong-secret"\naudience = "{stack.issuer}api/v2/"'
        ),
    )
    text = (tmp_path / "config.toml").read_text()
    good, end = text.index("[profiles.admin]"), text.index("[profiles.admin2]")
    (tmp_path / "config.toml").write_text(text[:good] + text[end:])
    session = Session.open(load_config(tmp_path / "config.toml"), tmp_path / "state")
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("a", "c")
        await settle(pilot)
        assert "Press f to apply the fix" in text_of(app.query_one("#why-view"))
        await pilot.press("f")
        await settle(pilot)
        said = notes(app)
        assert "The fix was not applied" in said and "invalid_client" in said
        assert app.query_one("#tabs").active == "why"  # still where the fix is shown


def test_each_provider_is_told_where_its_grants_live():
    from m2m_tui.admin.provider_fixes import grant_advice

    said = {
        p: grant_advice(p, "robot", "geocode:location", "api://wm")
        for p in ("auth0", "okta", "keycloak", "entra", "generic")
    }
    assert "Auth0 dashboard" in said["auth0"] and "Machine to Machine Applications" in said["auth0"]
    assert "Authorization Servers" in said["okta"] and "Access Policies" in said["okta"]
    assert "Client scopes" in said["keycloak"]
    assert "App roles" in said["entra"] and "admin consent" in said["entra"]
    assert "console" in said["generic"]
    assert all("robot" in text and "geocode:location" in text for text in said.values())


async def test_the_grants_screen_without_a_management_api_is_one_sentence(tmp_path, shared_stack):
    from textual.widgets import TabbedContent

    from m2m_tui.tui.grants.screen import GrantsScreen

    session = make_session(tmp_path, shared_stack.issuer.rstrip("/"), shared_stack.api_url)
    # No profile has this issuer's Management API audience (…:PORT/api/v2/ with one slash).
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, GrantsScreen)
        said = text_of(screen.query_one("#grants-status"))
        assert said.startswith("✗ Grants cannot be shown or changed here: no management profile")
        assert f"{shared_stack.issuer}api/v2/" in said  # one slash, never …PORTapi/v2/
        assert not screen.query_one("#grants-tabs", TabbedContent).display


async def test_a_wrapped_pasted_token_is_cleaned_and_its_cause_named(session, shared_stack):
    # Pasted as it came out of a JSON log line, quoted and wrapped at 76 columns: the box
    # keeps every line (a real bracketed paste), the session cleans it, and the Why?
    # panel names the cause: Auth0 RBAC's permissions, where the API reads scope.
    import textwrap

    from textual import events

    from tests.conftest import claims, signed

    every = ["directions", "geocode:location", "reverse-geocode:location"]
    token = signed(shared_stack, claims(shared_stack, scope="openid", permissions=every))
    text = '"' + "\n".join(textwrap.wrap(token, 76)) + '"'
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        box = app.query_one("#paste", Input)
        box.post_message(events.Paste(text))
        await settle(pilot)
        assert "\n" in box.value  # every line arrived, not the first alone
        await pilot.press("enter")
        await settle(pilot)
        inspected = text_of(app.query_one("#inspection"))
        assert "Pasted text cleaned: removed the quotes around it, line breaks" in inspected
        assert app.inspector.raw == token
        await pilot.press("escape", "d")
        await settle(pilot)
        why = text_of(app.query_one("#why-view"))
        assert "REJECTED" in why and "Cause: Auth0 RBAC" in why, why
        assert "claimIncludes('permissions'" in why
