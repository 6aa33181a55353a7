"""The bundled server after `serve --tls`, reached by a profile that says http://: the
app's start-up check and the CLI's token and call say it speaks HTTPS, and which profile
settings reach it, instead of calling it a foreign program or a crash."""

from __future__ import annotations

import pytest

from m2m_tui.config.file import load_config
from m2m_tui.session.session import Session
from m2m_tui.tui.app import M2MApp
from tests.conftest import REPO_CONFIG, free_port, run_cli, start_stack
from tests.helpers.tui import text_of
from tests.helpers.waiting import wait_until_async


@pytest.fixture
def tls_server(tmp_path):
    """`serve --tls both` on the state folder the app and the CLI use, on free ports."""
    stack = start_stack(tmp_path / "state", tls="both")
    yield stack
    stack.thread.stop()


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].strip("/"))


def write_local_config(tmp_path, stack) -> None:
    """The shipped config, [server] moved to the TLS server's ports: the bundled local
    profile points at it over plain HTTP, as it does after a plain `serve`."""
    text = REPO_CONFIG.read_text()
    text = text.replace("authority_port = 7000", f"authority_port = {port_of(stack.issuer)}")
    text = text.replace("api_port = 7001", f"api_port = {port_of(stack.api_url)}")
    text = text.replace("routes_port = 7002", f"routes_port = {free_port()}")
    (tmp_path / "config.toml").write_text(text)


async def test_the_app_says_the_server_speaks_https(tmp_path, tls_server):
    write_local_config(tmp_path, tls_server)
    config = load_config(tmp_path / "config.toml")
    app = M2MApp(Session.open(config, tmp_path / "state"))
    notes: list[str] = []
    app.notify = lambda message, **_: notes.append(str(message))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until_async(lambda: bool(notes), "the start-up check spoke", step=pilot.pause)
        said = " ".join(notes)
        assert "speaks HTTPS, not plain HTTP" in said
        # The local profile is bundled = true: its TLS twin, no port written by hand.
        assert 'write bundled = "https" in the profile in place of bundled = true' in said
        assert f"ca_file defaults to {tmp_path / 'state' / 'tls' / 'ca.pem'}" in said
        assert "is not the bundled server" not in said and "does not speak HTTP" not in said
        assert app.server is None  # nothing was started over it
        assert "speaks HTTPS" in text_of(app.query_one("#token-status"))


def test_token_and_call_say_the_server_speaks_https(tmp_path, tls_server):
    write_local_config(tmp_path, tls_server)
    for args in (("token",), ("call", "/api/directions")):
        result = run_cli(tmp_path, *args)
        assert result.returncode == 3, result.stderr
        assert "speaks HTTPS, not plain HTTP" in result.stderr
        assert f"https://127.0.0.1:{port_of(tls_server.issuer)}/" in result.stderr
        assert 'bundled = "https" in place of bundled = true' in result.stderr
        assert "did the server crash" not in result.stderr
        assert "Traceback" not in result.stderr
