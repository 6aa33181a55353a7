"""Why? on the Token tab: a refused token request explained in the app (what was sent,
what the server answered, each check, the cause), and the fix one key away."""

from __future__ import annotations

import jwt
from textual.widgets import TabbedContent

from m2m_tui.tui.app import M2MApp
from tests.helpers.actions import deployed
from tests.helpers.sessions import make_session
from tests.helpers.tui import settle, text_of


def _ungranted_session(tmp_path, stack):
    with stack.admin() as admin:
        admin.post(
            "/resource-servers",
            json={"name": "Parcels", "identifier": "urn:parcels", "scopes": [{"value": "track"}]},
        ).raise_for_status()
    session = make_session(
        tmp_path,
        stack.issuer,
        stack.api_url,
        parcels=(
            f'issuer = "{stack.issuer}"\nclient_id = "giftdeliveries"\n'
            'client_secret = "giftdeliveries-local-secret"\naudience = "urn:parcels"'
        ),
    )
    session.switch("parcels")
    return session


async def test_a_refused_request_is_explained_and_f_makes_the_grant(tmp_path, stack):
    session = _ungranted_session(tmp_path, stack)
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        tabs = app.query_one("#tabs", TabbedContent)
        # The Token tab keeps the refusal; Why? has news, behind a badge.
        assert tabs.active == "token"
        assert "Press d for Why?" in text_of(app.query_one("#token-view"))
        assert tabs.get_tab("why").label.plain == app.WHY_BADGE
        await pilot.press("d")
        await settle(pilot)
        assert tabs.active == "why"
        why = text_of(app.query_one("#why-view"))
        assert "Token request refused (HTTP 403 access_denied)" in why
        assert "Cause: no_client_grant" in why and "agree" in why
        assert "What the client sent" in why and "urn:parcels" in why
        assert "giftdeliveries-local-secret" not in why
        assert "Press f to apply the fix: authorize the client for urn:parcels" in why
        await pilot.press("f")
        await settle(pilot)
        assert session.token is not None
        assert jwt.decode(session.token, options={"verify_signature": False})["aud"] == (
            "urn:parcels"
        )


FAILING = "exports.onExecuteCredentialsExchange = async () => { null.boom; };"


async def test_a_failing_action_is_named_and_f_unbinds_it(tmp_path, stack):
    with stack.admin() as admin:
        deployed(admin, "broken", FAILING)
    session = make_session(tmp_path, stack.issuer, stack.api_url)
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        why = text_of(app.query_one("#why-view"))
        assert "Cause: action_failed" in why and "broken" in why
        assert "Press f to apply the fix: unbind Action broken" in why
        await pilot.press("f")
        await settle(pilot)
        assert session.token is not None  # the way back: tokens are issued again
        with stack.admin() as admin:
            assert (
                admin.get("/actions/triggers/credentials-exchange/bindings").json()["bindings"]
                == []
            )


async def test_a_key_the_server_does_not_hold_is_registered_with_f(tmp_path, stack):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    def pem_of(key) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    registered = ec.generate_private_key(ec.SECP256R1())
    public = registered.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with stack.admin() as admin:
        made = admin.post(
            "/clients",
            json={
                "name": "Key Holder",
                "client_authentication_methods": {
                    "private_key_jwt": {
                        "credentials": [
                            {
                                "credential_type": "public_key",
                                "pem": public.decode(),
                                "alg": "ES256",
                            }
                        ]
                    }
                },
            },
        )
        made.raise_for_status()
        client_id = made.json()["client_id"]
        admin.post(
            "/client-grants",
            json={"client_id": client_id, "audience": "urn:worldmappers", "scope": ["directions"]},
        ).raise_for_status()
    rotated = tmp_path / "rotated.pem"  # a new key, not registered yet
    rotated.write_bytes(pem_of(ec.generate_private_key(ec.SECP256R1())))
    rotated.chmod(0o600)
    session = make_session(
        tmp_path,
        stack.issuer,
        stack.api_url,
        keyed=(
            f'issuer = "{stack.issuer}"\nclient_id = "{client_id}"\n'
            'audience = "urn:worldmappers"\nauth_method = "private_key_jwt"\n'
            f'private_key_file = "{rotated}"'
        ),
    )
    session.switch("keyed")
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        why = text_of(app.query_one("#why-view"))
        assert "Cause: assertion_signature" in why
        assert "Press f to apply the fix: register this profile's key for the client" in why
        await pilot.press("f")
        await settle(pilot)
        assert session.token is not None  # signed by the rotated key, now registered
        with stack.admin() as admin:
            listed = admin.get(f"/clients/{client_id}").json()
        held = listed["client_authentication_methods"]["private_key_jwt"]["credentials"]
        assert len(held) == 2  # the old key kept beside the new one
