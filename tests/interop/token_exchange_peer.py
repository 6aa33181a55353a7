"""ts-oauth2-server (`@jmondi/oauth2-server` from npm, `peers/token_exchange_server.mjs`):
a TypeScript OAuth server m2m-tui did not write, with its own RFC 8693 token exchange
grant. Gift Deliveries gets a token there; World Mappers' API, a second client of it,
exchanges that token for one for the Routes API, as in the bundled story (#49)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import WORLDMAPPERS, free_port
from tests.helpers.processes import Child, spawn
from tests.interop.conftest import node_peers, wait_for

ROUTES = "urn:worldmappers:routes"
GIFT_SECRET = "ts-oauth2-server-secret-of-gift-deliveries"
WORLD_MAPPERS_SECRET = "ts-oauth2-server-secret-of-world-mappers-api"


@dataclass
class ExchangeServer:
    issuer: str  # no trailing slash, as the library's `issuer` option is written here
    proc: Child

    @property
    def token_endpoint(self) -> str:
        return self.issuer + "/token"

    def profiles(self) -> str:
        """Profiles for the server's two clients, as a user would write them: `gift` the
        subject's, `world-mappers` the acting client's."""
        base = f'issuer = "{self.issuer}"\nprovider = "generic"\n'
        return (
            'default_profile = "gift"\n\n'
            f'[profiles.gift]\n{base}client_id = "gift-deliveries"\n'
            f'auth_method = "client_secret_post"\nclient_secret = "{GIFT_SECRET}"\n'
            f'audience = "{WORLDMAPPERS}"\nscope = "directions routes:read"\n\n'
            f'[profiles.world-mappers]\n{base}client_id = "world-mappers-api"\n'
            f'auth_method = "client_secret_basic"\nclient_secret = "{WORLD_MAPPERS_SECRET}"\n'
            f'audience = "{ROUTES}"\nscope = "routes:read"\n'
        )


def start_exchange_server(folder: Path) -> ExchangeServer:
    peers = node_peers()
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "scopes": ["directions", "routes:read", "geocode:location"],
        "audiences": [ROUTES],
        "clients": [
            {
                "client_id": "gift-deliveries",
                "client_secret": GIFT_SECRET,
                "scopes": ["directions", "routes:read", "geocode:location"],
                "exchange": False,
            },
            {
                "client_id": "world-mappers-api",
                "client_secret": WORLD_MAPPERS_SECRET,
                "scopes": ["routes:read"],
                "exchange": True,
            },
        ],
    }
    (folder / "ts-oauth2-server.json").write_text(json.dumps(config))
    port = free_port()
    log = folder / "ts-oauth2-server.log"
    with open(log, "w") as out:
        proc = spawn(
            [
                "node",
                str(peers / "token_exchange_server.mjs"),
                str(port),
                str(folder / "ts-oauth2-server.json"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    issuer = f"http://127.0.0.1:{port}"
    with proc.stopped_on_error():
        wait_for(issuer + "/.well-known/oauth-authorization-server", proc, log)
    return ExchangeServer(issuer, proc)
