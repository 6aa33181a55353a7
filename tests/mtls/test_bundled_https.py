"""`bundled = "https"`: a profile for the bundled servers after `serve --tls both`, its
issuer, api_base_url and CA from [server] and the state folder, no port written. The
app starts no plain-HTTP server for it, and says what to run when nothing listens."""

from __future__ import annotations

import jwt
import pytest

from m2m_tui.config.file import load_config
from m2m_tui.session.session import Session
from m2m_tui.tui.app import M2MApp
from tests.conftest import REPO_CONFIG, free_port, run_cli, start_stack
from tests.helpers.tui import text_of
from tests.helpers.waiting import wait_until_async

PROFILE = """
[profiles.gift-tls]
bundled = "https"
client_id = "giftdeliveries"
client_secret = "giftdeliveries-local-secret"
audience = "urn:worldmappers"
"""


def write_config(tmp_path, authority_port: int, api_port: int) -> None:
    """The shipped config with [server] on these ports and a `bundled = "https"` profile."""
    text = REPO_CONFIG.read_text()
    text = text.replace("authority_port = 7000", f"authority_port = {authority_port}")
    text = text.replace("api_port = 7001", f"api_port = {api_port}")
    text = text.replace("routes_port = 7002", f"routes_port = {free_port()}")
    (tmp_path / "config.toml").write_text(text + PROFILE)


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].strip("/"))


@pytest.fixture
def tls_server(tmp_path):
    """`serve --tls both` on the state folder the CLI uses, on free ports."""
    stack = start_stack(tmp_path / "state", tls="both")
    yield stack
    stack.thread.stop()


def test_a_bundled_https_profile_gets_a_token_and_calls_the_api(tmp_path, tls_server):
    write_config(tmp_path, port_of(tls_server.issuer), port_of(tls_server.api_url))
    token = run_cli(tmp_path, "--profile", "gift-tls", "token")
    assert token.returncode == 0, token.stderr
    assert jwt.decode(token.stdout.strip(), options={"verify_signature": False})["iss"] == (
        tls_server.issuer  # https://127.0.0.1:PORT/, from [server]'s authority_port
    )
    call = run_cli(tmp_path, "--profile", "gift-tls", "call", "/api/directions")
    assert call.returncode == 0, call.stderr
    assert f"200 GET {tls_server.api_url}/api/directions" in call.stderr  # [server] api_port


def test_without_a_tls_server_the_cli_says_what_to_run(tmp_path):
    write_config(tmp_path, free_port(), free_port())
    result = run_cli(tmp_path, "--profile", "gift-tls", "token")
    assert result.returncode != 0
    assert "m2m-tui serve --tls both" in result.stderr
    assert str(tmp_path / "state" / "tls" / "ca.pem") in result.stderr  # the default ca_file
    assert "Traceback" not in result.stderr


async def test_the_app_starts_no_plain_server_for_it_and_says_what_to_run(tmp_path):
    write_config(tmp_path, free_port(), free_port())
    config = load_config(tmp_path / "config.toml")
    app = M2MApp(Session.open(config, tmp_path / "state", "gift-tls"))
    notes: list[str] = []
    app.notify = lambda message, **_: notes.append(str(message))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until_async(lambda: bool(notes), "the start-up check spoke", step=pilot.pause)
        said = " ".join(notes)
        assert "`m2m-tui serve --tls both`" in said
        assert f"https://127.0.0.1:{config.server.authority_port}/" in said
        assert "serve --tls both" in text_of(app.query_one("#token-status"))
        assert app.server is None  # no plain-HTTP server started in its place
        assert not (tmp_path / "state" / "bundled-server.pid").exists()
