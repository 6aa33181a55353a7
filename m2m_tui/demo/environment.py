"""The demo's own tenant: a temporary state directory, the bundled servers on free
loopback ports seeded with the shipped demo values, and profiles pointing at them.
It never reads or changes the user's tenant, token cache or history."""

from __future__ import annotations

import shutil
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

from m2m_tui.bundled_servers import LocalServer, StartFailed, start_bundled
from m2m_tui.config.file import Config, default_config_text, load_config
from m2m_tui.session.session import Session

DPOP_PROFILE = "local-dpop"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DemoTenant:
    folder: Path
    config: Config
    server: LocalServer
    # A second World Mappers API on the same tenant that introspects every token
    # (RFC 7662): the revocation act shows it refusing what the JWT-validating one accepts.
    introspecting: LocalServer | None = None
    introspecting_url: str | None = None

    def session(self) -> Session:
        return Session.open(self.config, self.folder / "client-state", "local")

    def close(self) -> None:
        self.server.stop()
        if self.introspecting is not None:
            self.introspecting.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def start_demo_tenant() -> DemoTenant:
    """A fresh tenant, its servers answering; raises StartFailed when they cannot start."""
    folder = Path(tempfile.mkdtemp(prefix="m2m-tui-demo-"))
    try:
        authority, api = _free_port(), _free_port()
        text = default_config_text()
        text = text.replace(":7000", f":{authority}").replace(":7001", f":{api}")
        text = text.replace("authority_port = 7000", f"authority_port = {authority}")
        text = text.replace("api_port = 7001", f"api_port = {api}")
        # The audience watches a revoked key being refused: a second, not five.
        text = text.replace("jwks_max_age = 5", "jwks_max_age = 1")
        text += (
            f"\n[profiles.{DPOP_PROFILE}]\n"
            "# Gift Deliveries with DPoP: its tokens are bound to a key it holds.\n"
            f'issuer = "http://127.0.0.1:{authority}/"\n'
            'client_id = "giftdeliveries"\n'
            'client_secret = "giftdeliveries-local-secret"\n'
            'audience = "urn:worldmappers"\n'
            f'api_base_url = "http://127.0.0.1:{api}"\n'
            "dpop = true\n"
        )
        path = folder / "config.toml"
        path.write_text(text, encoding="utf-8")
        config = load_config(path)
        server = start_bundled(config, folder / "server-state")
        try:
            introspecting, url = _start_introspecting_api(folder, text, api, authority)
        except BaseException:
            server.stop()
            raise
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return DemoTenant(folder, config, server, introspecting, url)


def _start_introspecting_api(
    folder: Path, text: str, api: int, authority: int
) -> tuple[LocalServer, str]:
    """`serve --only api --validation introspection` beside the demo's own pair, as the
    API's seeded client (worldmappers-api, named in the shipped [server.api])."""
    port = _free_port()
    text = text.replace(f"api_port = {api}", f"api_port = {port}")
    if 'validation = "jwt"' not in text:  # the shipped config's [server.api] line
        raise StartFailed("the demo's config has no [server.api] validation to switch")
    text = text.replace('validation = "jwt"', 'validation = "introspection"', 1)
    path = folder / "introspecting.toml"
    path.write_text(text, encoding="utf-8")
    server = start_bundled(
        load_config(path),
        folder / "introspecting-state",
        only="api",
        issuer=f"http://127.0.0.1:{authority}/",
    )
    return server, f"http://127.0.0.1:{port}"
