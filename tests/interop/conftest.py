"""Servers m2m-tui did not write, started on free loopback ports: panva's `oidc-provider`
(OpenID Certified) as the authorization server, Auth0's Express validator
(`express-oauth2-jwt-bearer`) as a second World Mappers API, and Jason Raimondi's
ts-oauth2-server (`@jmondi/oauth2-server`) for its RFC 8693 token exchange grant.

Both come from npm (`tests/interop/peers/package.json`, pinned by its lock file) and run
under the machine's Node.js. `.ci/run` installs Node.js from Debian's packages when it
is missing and the packages with `npm ci`; run alone, the fixtures install the packages
themselves (once, under a lock, since every xdist worker may ask at the same moment).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from api_server.settings import ServerSettings
from tests.conftest import WORLDMAPPERS, free_port, repo_settings, start_stack
from tests.helpers.processes import Child, spawn

PEERS = Path(__file__).parent / "peers"
SCOPES = ["directions", "geocode:location", "reverse-geocode:location"]
SECRET = "interop-secret-for-the-gift-deliveries-client"


def node_peers() -> Path:
    """The peers' folder with its packages installed; a clear failure without Node.js."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.fail(
            "the interop tests need Node.js 20 or later and npm "
            "(Debian: apt-get install nodejs npm; .ci/run installs them)"
        )
    with open(PEERS / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        wanted = json.loads((PEERS / "package.json").read_text())["dependencies"]
        if any(not (PEERS / "node_modules" / name / "package.json").exists() for name in wanted):
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=PEERS,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, f"npm ci failed in {PEERS}:\n{done.stderr[-2000:]}"
    return PEERS


def wait_for(url: str, proc: Child, log: Path, verify: object = True) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{url}: the server exited:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=1, verify=verify).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not come up:\n{log.read_text()[-2000:]}")


def stop(proc: Child) -> None:
    proc.stop()


@dataclass
class OidcProvider:
    issuer: str  # no trailing slash: oidc-provider's own form
    key_file: Path  # the private_key_jwt client's private key (PEM)
    proc: Child

    @property
    def jwks_uri(self) -> str:
        return self.issuer + "/jwks"

    def profiles(self, api_url: str | None = None) -> str:
        """Profiles for each client of this provider, as a user would write them."""
        base = [f'issuer = "{self.issuer}"', 'provider = "generic"']
        if api_url:
            base.append(f'api_base_url = "{api_url}"')

        def profile(name: str, *lines: str) -> str:
            return "\n".join([f"[profiles.{name}]", *base, *lines, ""])

        secret = [f'client_secret = "{SECRET}"']
        jwt_access = [f'resource = "{WORLDMAPPERS}"']
        return "\n".join(
            [
                'default_profile = "basic"',
                "",
                profile(
                    "basic",
                    'client_id = "gift-basic"',
                    'auth_method = "client_secret_basic"',
                    *secret,
                    *jwt_access,
                    'scope = "directions"',
                ),
                profile(
                    "post",
                    'client_id = "gift-post"',
                    'auth_method = "client_secret_post"',
                    *secret,
                    *jwt_access,
                    'scope = "directions geocode:location"',
                ),
                profile(
                    "hmacjwt",
                    'client_id = "gift-hmac"',
                    'auth_method = "client_secret_jwt"',
                    *secret,
                    *jwt_access,
                    'scope = "directions"',
                ),
                profile(
                    "keyjwt",
                    'client_id = "gift-key"',
                    'auth_method = "private_key_jwt"',
                    f'private_key_file = "{self.key_file}"',
                    *jwt_access,
                    'scope = "directions"',
                ),
                profile(
                    "dpop",
                    'client_id = "gift-basic"',
                    'auth_method = "client_secret_basic"',
                    *secret,
                    *jwt_access,
                    'scope = "directions"',
                    "dpop = true",
                ),
                profile(
                    "opaque",
                    'client_id = "gift-basic"',
                    'auth_method = "client_secret_basic"',
                    *secret,
                    'scope = "directions"',
                ),
            ]
        )


def start_oidc_provider(folder: Path, require_nonce: bool = False) -> OidcProvider:
    peers = node_peers()
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = folder / "gift-key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    client = {
        "grant_types": ["client_credentials"],
        "redirect_uris": [],
        "response_types": [],
        "scope": " ".join(SCOPES),
    }
    port = free_port()
    config = {
        "port": port,
        "resource": WORLDMAPPERS,
        "scopes": SCOPES,
        "require_nonce": require_nonce,
        "clients": [
            {
                **client,
                "client_id": "gift-basic",
                "client_secret": SECRET,
                "token_endpoint_auth_method": "client_secret_basic",
            },
            {
                **client,
                "client_id": "gift-post",
                "client_secret": SECRET,
                "token_endpoint_auth_method": "client_secret_post",
            },
            {
                **client,
                "client_id": "gift-hmac",
                "client_secret": SECRET,
                "token_endpoint_auth_method": "client_secret_jwt",
            },
            {
                **client,
                "client_id": "gift-key",
                "token_endpoint_auth_method": "private_key_jwt",
                "token_endpoint_auth_signing_alg": "RS256",
                "jwks": {"keys": [{**public, "alg": "RS256", "use": "sig"}]},
            },
        ],
    }
    (folder / "oidc-provider.json").write_text(json.dumps(config))
    log = folder / "oidc-provider.log"
    with open(log, "w") as out:
        proc = spawn(
            ["node", str(peers / "oidc_provider.mjs"), str(folder / "oidc-provider.json")],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    issuer = f"http://127.0.0.1:{port}"
    with proc.stopped_on_error():
        wait_for(issuer + "/.well-known/openid-configuration", proc, log)
    return OidcProvider(issuer, key_file, proc)


@pytest.fixture(scope="session")
def provider(tmp_path_factory) -> Iterator[OidcProvider]:
    started = start_oidc_provider(tmp_path_factory.mktemp("oidc-provider"))
    yield started
    stop(started.proc)


@pytest.fixture(scope="session")
def nonce_provider(tmp_path_factory) -> Iterator[OidcProvider]:
    """oidc-provider that requires a DPoP nonce (RFC 9449 §8) at its token endpoint."""
    started = start_oidc_provider(tmp_path_factory.mktemp("oidc-nonce"), require_nonce=True)
    yield started
    stop(started.proc)


@pytest.fixture(scope="session")
def bundled_api(provider, tmp_path_factory):
    """The bundled World Mappers API, validating the provider's tokens (keys found by
    discovery at the provider)."""
    settings: ServerSettings = repo_settings()
    running = start_stack(
        tmp_path_factory.mktemp("api") / "state",
        settings,
        only="api",
        issuer=provider.issuer,
        audience=WORLDMAPPERS,
    )
    yield running
    running.thread.stop()


@dataclass
class ExpressApi:
    url: str
    proc: Child


def start_express(
    issuer: str,
    jwks_uri: str,
    folder: Path,
    ca: Path | None = None,
    clock_tolerance: int | None = None,
) -> ExpressApi:
    """Auth0's express-oauth2-jwt-bearer guarding the World Mappers endpoints, pointed at
    `issuer`: an API whose checks m2m-tui did not write. `ca`: a CA for Node to trust
    beside its own (an issuer over HTTPS with a local certificate). `clock_tolerance`:
    its leeway in seconds, where not the library's 5."""
    peers = node_peers()
    port = free_port()
    log = folder / "express.log"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ISSUER": issuer,
        "JWKS_URI": jwks_uri,
        "AUDIENCE": WORLDMAPPERS,
        "PORT": str(port),
        **({"NODE_EXTRA_CA_CERTS": str(ca)} if ca else {}),
        **({"CLOCK_TOLERANCE": str(clock_tolerance)} if clock_tolerance else {}),
    }
    with open(log, "w") as out:
        proc = spawn(
            ["node", str(peers / "express_api.cjs")], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    with proc.stopped_on_error():
        wait_for(url + "/open", proc, log)
    return ExpressApi(url, proc)


@pytest.fixture(scope="session")
def express_api(provider, tmp_path_factory) -> Iterator[ExpressApi]:
    """Auth0's Express validator, pointed at the oidc-provider."""
    started = start_express(provider.issuer, provider.jwks_uri, tmp_path_factory.mktemp("express"))
    yield started
    stop(started.proc)


@pytest.fixture(scope="module")
def apis(tmp_path_factory):
    """The bundled authority and API, and the Express validator trusting that authority."""
    from tests.conftest import start_stack

    with contextlib.ExitStack() as running:  # a failed start stops what came before it
        stack = start_stack(tmp_path_factory.mktemp("causes") / "state")
        running.callback(stack.thread.stop)
        express = start_express(
            stack.issuer,
            stack.issuer + ".well-known/jwks.json",
            tmp_path_factory.mktemp("express"),
        )
        running.callback(express.proc.stop)
        yield stack, {"bundled": stack.api_url, "express": express.url}


@pytest.fixture(scope="session")
def exchange_server(tmp_path_factory):
    """ts-oauth2-server with its RFC 8693 grant (tests/interop/token_exchange_peer.py)."""
    from tests.interop.token_exchange_peer import start_exchange_server

    started = start_exchange_server(tmp_path_factory.mktemp("ts-oauth2-server"))
    yield started
    stop(started.proc)
