"""The Grants screen registers the profile's client certificate for a client (ctrl+e)
and binds the API's tokens to it (ctrl+b); the next token, got over mutual TLS with no
secret, is bound to the certificate."""

from __future__ import annotations

import jwt
from textual.widgets import DataTable

from m2m_tui.config.file import load_config
from m2m_tui.session.session import Session
from m2m_tui.tui.app import M2MApp
from oauth_primitives import x509
from tests.helpers.mtls import files
from tests.helpers.sessions import write_config
from tests.helpers.tui import settle, text_of


async def test_register_the_certificate_and_bind_the_api_from_the_grants_screen(
    tls_stack, tmp_path, monkeypatch
):
    stack = tls_stack
    monkeypatch.setenv("SSL_CERT_FILE", str(stack.state_dir / "tls" / "ca.pem"))
    cert, key = files(tmp_path, "own", x509.make_certificate("screen-gift"))
    key.chmod(0o600)
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
    session = Session.open(config, tmp_path / "client-state", "mtls")
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        screen = app.screen
        clients = screen.query_one("#clients", DataTable)
        assert str(clients.get_row_at(0)[0]) == "Gift Deliveries"  # the cursor on its row
        await pilot.press("ctrl+e")
        await settle(pilot)
        said = text_of(screen.query_one("#grants-status"))
        assert "now authenticates with self_signed_tls_client_auth" in said, said
        await pilot.press("ctrl+b")
        await settle(pilot)
        apis = screen.query_one("#apis", DataTable)
        # The profile's API (World Mappers), beside the Routes API, which stays unbound.
        modes = {str(r[0]): str(r[3]) for r in map(apis.get_row_at, range(apis.row_count))}
        assert modes == {"World Mappers API": "mTLS required", "Routes API": "off"}
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
    claims = jwt.decode(session.token, options={"verify_signature": False})
    assert claims["cnf"] == {"x5t#S256": x509.thumbprint(x509.der_of(cert.read_text()))}
