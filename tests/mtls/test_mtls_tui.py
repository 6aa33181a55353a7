"""Mutual TLS in the app, as a user meets it: the Inspector explains cnf.x5t#S256 and
says the profile's certificate is the bound one, the tamper lab sends the token with
another certificate and the API's refusal is explained, and from a profile without the
certificate the Why? panel names the cause."""

from __future__ import annotations

from m2m_tui.config.file import load_config
from m2m_tui.session.session import Session
from m2m_tui.tui.app import M2MApp
from oauth_primitives import x509
from tests.conftest import GIFT
from tests.helpers.mtls import admin, files
from tests.helpers.sessions import write_config
from tests.helpers.tui import settle, text_of


async def test_the_app_explains_a_bound_token_and_its_refusals(tls_stack, tmp_path, monkeypatch):
    stack = tls_stack
    monkeypatch.setenv("SSL_CERT_FILE", str(stack.state_dir / "tls" / "ca.pem"))
    cert, key = files(tmp_path, "own", x509.make_certificate("app-gift"))
    key.chmod(0o600)
    mgmt = admin(stack)
    v2 = stack.issuer + "api/v2"
    made = mgmt.post(
        f"{v2}/clients/{GIFT[0]}/credentials",
        json={"credential_type": "x509_cert", "pem": cert.read_text()},
    ).json()
    mgmt.patch(
        f"{v2}/clients/{GIFT[0]}",
        json={
            "client_authentication_methods": {
                "self_signed_tls_client_auth": {"credentials": [{"id": made["id"]}]}
            }
        },
    ).raise_for_status()
    rs = mgmt.get(f"{v2}/resource-servers/urn:worldmappers").json()
    mgmt.patch(
        f"{v2}/resource-servers/{rs['id']}",
        json={"proof_of_possession": {"mechanism": "mtls", "required": True}},
    ).raise_for_status()
    config = load_config(
        write_config(
            tmp_path / "config.toml",
            stack.issuer,
            stack.api_url,
            mtls=(
                f'issuer = "{stack.issuer}"\nclient_id = "giftdeliveries"\n'
                'audience = "urn:worldmappers"\nauth_method = "self_signed_tls_client_auth"\n'
                f'client_certificate = "{cert}"\nclient_key = "{key}"\n'
                f'api_base_url = "{stack.api_url}"'
            ),
        )
    )
    # The state folder the bundled server uses: the lab issues its other certificate
    # from the local client CA there, so the API's listener takes it.
    session = Session.open(config, stack.state_dir, "mtls")
    try:
        app = M2MApp(session, autostart=False)
        async with app.run_test(size=(140, 50)) as pilot:
            await settle(pilot)
            await pilot.press("t")
            await settle(pilot)
            await pilot.press("i")
            await settle(pilot)
            inspected = text_of(app.query_one("#inspection"))
            assert "bound to a client certificate" in inspected
            assert "✓ this profile's certificate" in inspected
            await pilot.press("escape", "a", "down", "down", "l")
            await settle(pilot)
            lab = text_of(app.query_one("#lab-view"))
            assert "other certificate" in lab and "401" in lab, lab
            assert "the presented client certificate" in lab and "✗ certificate" in lab, lab
        # The same token from a profile that presents no certificate: Why? names it.
        token = session.token
        session.switch("gift")
        app = M2MApp(session, autostart=False)
        async with app.run_test(size=(140, 50)) as pilot:
            await settle(pilot)
            await pilot.press("i")
            from textual.widgets import Input

            app.query_one("#paste", Input).value = token
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("escape", "a", "down", "down", "d")
            await settle(pilot)
            why = text_of(app.query_one("#why-view"))
            assert "Cause: a certificate-bound token sent without its certificate" in why, why
    finally:
        mgmt.patch(f"{v2}/resource-servers/{rs['id']}", json={"proof_of_possession": None})
