"""The demo's own tenant: a temporary state directory, the bundled servers on free
loopback ports seeded with the shipped demo values, and profiles pointing at them.
It never reads or changes the user's tenant, token cache or history."""

from __future__ import annotations

import re
import shutil
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

from m2m_tui.bundled_servers import (
    LocalServer,
    StartFailed,
    spawn_bundled,
    start_bundled,
    wait_until_answering,
)
from m2m_tui.config.file import Config, default_config_text, load_config
from m2m_tui.session.session import Session
from oauth_primitives.rules.closed_sets import AuthMethod

DPOP_PROFILE = "local-dpop"
# Gift Deliveries over mutual TLS (RFC 8705), at a tenant of its own served over TLS.
MTLS_PROFILE = "local-mtls"
# Gift Deliveries at a World Mappers API that serves Globex's data only (Organizations
# for M2M: `serve --require-organization --organizations globex`).
GLOBEX_PROFILE = "local-globex"
# Gift Deliveries at a World Mappers API that requires a claim a credentials-exchange
# Action adds (`serve --require-claim`), and that Action.
TIER_PROFILE = "local-tier"
TIER_CLAIM, TIER_VALUE = "https://worldmappers.example/tier", "gold"
TIER_ACTION_NAME = "Add partner tier"
TIER_ACTION = f"""exports.onExecuteCredentialsExchange = async (event, api) => {{
  // World Mappers' partners: the tier rides in the token, for the API to read.
  if (event.client.client_id === "giftdeliveries") {{
    api.accessToken.setCustomClaim("{TIER_CLAIM}", "{TIER_VALUE}");
  }}
}};
"""

# Seconds for the demo's servers to answer. Five start side by side, and on a busy machine
# (both cores taken) that took longer than the 20 s an interactive start allows; each wait
# still ends the moment its server answers, or at once when it exits.
START_PATIENCE = 120.0


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
    globex: LocalServer | None = None
    mtls: LocalServer | None = None
    tier: LocalServer | None = None

    def session(self) -> Session:
        return Session.open(self.config, self.folder / "client-state", "local")

    def close(self) -> None:
        self.server.stop()
        for server in (self.introspecting, self.globex, self.mtls, self.tier):
            if server is not None:
                server.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def start_demo_tenant(actions: set[str] | frozenset[str] | None = None) -> DemoTenant:
    """A fresh tenant on fresh ports, tried twice: a port chosen free can be taken by
    another program (an outgoing connection's, say) before the server binds it."""
    try:
        return _start_demo_tenant(actions)
    except StartFailed:
        return _start_demo_tenant(actions)


def _start_demo_tenant(actions: set[str] | frozenset[str] | None = None) -> DemoTenant:
    """A fresh tenant, its servers answering; raises StartFailed when they cannot start.
    The extra APIs start only for a story whose `actions` use them (None: every action):
    the introspecting one for revoke_token, Globex's for organizations, the tier API for
    require_claim."""
    wanted = {
        role
        for role, action in (
            ("introspecting", "revoke_token"),
            ("globex", "organizations"),
            ("mtls", "use_mtls"),
            ("tier", "require_claim"),
        )
        if actions is None or action in actions
    }
    folder = Path(tempfile.mkdtemp(prefix="m2m-tui-demo-"))
    try:
        authority, api, routes = _free_port(), _free_port(), _free_port()
        text = default_config_text()
        text = text.replace(":7000", f":{authority}").replace(":7001", f":{api}")
        text = text.replace(":7002", f":{routes}")
        text = text.replace("authority_port = 7000", f"authority_port = {authority}")
        text = text.replace("api_port = 7001", f"api_port = {api}")
        # The Routes API (World Mappers' downstream) too: the demo never binds 7002.
        text = text.replace("routes_port = 7002", f"routes_port = {routes}")
        # The audience watches a revoked key being refused: a second, not five.
        text = text.replace("jwks_max_age = 5", "jwks_max_age = 1")
        globex_port, tier_port = _free_port(), _free_port()
        mtls_ports = (_free_port(), _free_port())
        base = text
        text += _mtls_profiles(folder, mtls_ports) if "mtls" in wanted else ""
        text += (
            f"\n[profiles.{DPOP_PROFILE}]\n"
            "# Gift Deliveries with DPoP: its tokens are bound to a key it holds.\n"
            f'issuer = "http://127.0.0.1:{authority}/"\n'
            'client_id = "giftdeliveries"\n'
            'client_secret = "giftdeliveries-local-secret"\n'
            'audience = "urn:worldmappers"\n'
            f'api_base_url = "http://127.0.0.1:{api}"\n'
            "dpop = true\n"
            f"\n[profiles.{GLOBEX_PROFILE}]\n"
            "# Gift Deliveries at the API that serves Globex's data only.\n"
            f'issuer = "http://127.0.0.1:{authority}/"\n'
            'client_id = "giftdeliveries"\n'
            'client_secret = "giftdeliveries-local-secret"\n'
            'audience = "urn:worldmappers"\n'
            f'api_base_url = "http://127.0.0.1:{globex_port}"\n'
            f"\n[profiles.{TIER_PROFILE}]\n"
            "# Gift Deliveries at the API that requires the partner tier claim.\n"
            f'issuer = "http://127.0.0.1:{authority}/"\n'
            'client_id = "giftdeliveries"\n'
            'client_secret = "giftdeliveries-local-secret"\n'
            'audience = "urn:worldmappers"\n'
            f'api_base_url = "http://127.0.0.1:{tier_port}"\n'
        )
        path = folder / "config.toml"
        path.write_text(text, encoding="utf-8")
        config = load_config(path)
        server = start_bundled(config, folder / "server-state", wait=START_PATIENCE)
        extra: list[tuple[str, LocalServer, Config]] = []
        try:  # the two extra APIs start side by side
            issuer = f"http://127.0.0.1:{authority}/"
            url = f"http://127.0.0.1:{_free_port()}"
            globex_url = f"http://127.0.0.1:{globex_port}"
            tier_url = f"http://127.0.0.1:{tier_port}"
            for role, at in (("introspecting", url), ("globex", globex_url), ("tier", tier_url)):
                if role in wanted:
                    extra.append((role, *_spawn_api(folder, role, text, api, at, issuer)))
            if "mtls" in wanted:
                extra.append(("mtls", *_spawn_mtls(folder, base, mtls_ports)))
            up = {
                role: wait_until_answering(*started, wait=START_PATIENCE)
                if role != "mtls"
                else _wait_tls(started[0], mtls_ports, folder / "mtls-state")
                for role, *started in extra
            }
        except BaseException:
            for started in (server, *(spawned for _, spawned, _ in extra)):
                started.stop()
            raise
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    introspecting = up.get("introspecting")
    return DemoTenant(
        folder,
        config,
        server,
        introspecting,
        url if introspecting else None,
        up.get("globex"),
        up.get("mtls"),
        up.get("tier"),
    )


def _mtls_profiles(folder: Path, ports: tuple[int, int]) -> str:
    """Gift Deliveries with a self-signed client certificate (made here), and the TLS
    tenant's administrator, both trusting its local CA (made by `serve --tls`)."""
    from oauth_primitives.private_files import ensure_private_dir, write_private_file
    from oauth_primitives.x509 import make_certificate

    certs = ensure_private_dir(folder / "certs")
    cert, key = make_certificate("gift-deliveries-demo")
    write_private_file(certs / "gift.pem", cert)
    write_private_file(certs / "gift-key.pem", key)
    issuer = f"https://127.0.0.1:{ports[0]}/"
    ca = folder / "mtls-state" / "tls" / "ca.pem"
    return (
        f"\n[profiles.{MTLS_PROFILE}]\n"
        "# Gift Deliveries over mutual TLS: its certificate authenticates it.\n"
        f'issuer = "{issuer}"\n'
        'client_id = "giftdeliveries"\n'
        'audience = "urn:worldmappers"\n'
        f'api_base_url = "https://127.0.0.1:{ports[1]}"\n'
        f'auth_method = "{AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH}"\n'
        f'client_certificate = "{certs / "gift.pem"}"\n'
        f'client_key = "{certs / "gift-key.pem"}"\n'
        f'ca_file = "{ca}"\n'
        f"\n[profiles.{MTLS_PROFILE}-admin]\n"
        f'issuer = "{issuer}"\n'
        'client_id = "m2m-admin"\n'
        'client_secret = "m2m-admin-local-secret"\n'
        f'audience = "{issuer}api/v2/"\n'
        f'ca_file = "{ca}"\n'
    )


def _spawn_mtls(folder: Path, text: str, ports: tuple[int, int]):
    """A tenant of its own, served over TLS on both listeners (`serve --tls both`)."""
    a, b = ports
    text = re.sub(r"(?m)^authority_port = \d+", f"authority_port = {a}", text)
    text = re.sub(r"(?m)^api_port = \d+", f"api_port = {b}", text)
    # Its own Routes API too: the demo tenant's holds that port already.
    text = re.sub(r"(?m)^routes_port = \d+", f"routes_port = {_free_port()}", text)
    path = folder / "mtls.toml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    return spawn_bundled(config, folder / "mtls-state", tls="both"), config


def _wait_tls(
    server: LocalServer, ports: tuple[int, int], state: Path, wait: float = START_PATIENCE
):
    """The TLS tenant once both listeners answer over HTTPS, trusting its own CA."""
    import ssl
    import time

    import httpx

    deadline = time.monotonic() + wait
    ca = state / "tls" / "ca.pem"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log_path.read_text(errors="replace").strip().splitlines()[-1:]
            raise StartFailed(f"the demo's TLS tenant stopped: {' '.join(tail)}")
        if ca.exists():
            trust = ssl.create_default_context(cafile=str(ca))
            try:
                for port in ports:
                    httpx.get(f"https://127.0.0.1:{port}/health", verify=trust, timeout=2)
                return server
            except httpx.HTTPError:
                pass
        time.sleep(0.1)
    raise StartFailed(f"the demo's TLS tenant did not answer within {wait:g} s")


def _spawn_api(folder: Path, role: str, text: str, api: int, url: str, issuer: str):
    """A second World Mappers API beside the demo's own pair, on `url`'s port:
    "introspecting" asks the authority about every token (RFC 7662) as the API's seeded
    client (worldmappers-api, named in the shipped [server.api]); "globex" serves
    Globex's data only (Organizations for M2M); "tier" requires the partner tier claim
    that the demo's Action adds."""
    port = url.rsplit(":", 1)[1]
    text = text.replace(f"api_port = {api}", f"api_port = {port}")
    switch = {
        "introspecting": ('validation = "jwt"', 'validation = "introspection"'),
        "globex": (
            "require_organization = false",
            'require_organization = true\norganizations = ["globex"]',
        ),
        "tier": (
            "require_organization = false",
            f'require_organization = false\nrequired_claims = ["{TIER_CLAIM}={TIER_VALUE}"]',
        ),
    }[role]
    if switch[0] not in text:  # the shipped config's [server.api] line
        raise StartFailed(f"the demo's config has no [server.api] line {switch[0]} to switch")
    text = text.replace(*switch, 1)
    path = folder / f"{role}.toml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    return spawn_bundled(config, folder / f"{role}-state", only="api", issuer=issuer), config
