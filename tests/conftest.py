"""Shared fixtures: the bundled servers, started on free ports in a background thread."""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import jwt
import pytest

from api_server.serve import Prepared, ServeOptions, bind, prepare, uvicorn_server
from api_server.settings import ServerSettings, ThrottleSettings, server_settings
from m2m_tui.config.file import load_config
from tests.helpers import processes
from tests.helpers.misbehaving import MisbehavingServer

# The suite never reads or writes the developer's own config, state or token cache:
# the per-user folders point into a temporary home for the whole run.
_HOME = Path(tempfile.mkdtemp(prefix="m2m-tui-tests-home-"))
os.environ["XDG_CONFIG_HOME"] = str(_HOME / "config")
os.environ["XDG_DATA_HOME"] = str(_HOME / "data")
for _name in ("M2M_TUI_CONFIG", "M2M_TUI_STATE_DIR"):
    os.environ.pop(_name, None)

# A request a test makes itself waits as long as the suite's own timeout allows: on a busy
# machine a server answers late, not wrongly, and httpx's 5 s default would fail a
# correct test. The code under test always passes its own timeouts (none of it calls
# these module-level functions without one), so its behaviour is unchanged.
PATIENT = httpx.Timeout(60.0)
for _name in ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream"):
    setattr(httpx, _name, functools.partial(getattr(httpx, _name), timeout=PATIENT))

GIFT = ("giftdeliveries", "giftdeliveries-local-secret")
ADMIN = ("m2m-admin", "m2m-admin-local-secret")
WORLDMAPPERS = "urn:worldmappers"
# The repository's copy of the shipped default config (tests/config/test_file.py keeps them equal).
REPO_CONFIG = Path(__file__).resolve().parent.parent / "config.toml"


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto`: two workers a core. Much of the suite waits (on servers, timers, a
    subprocess), so one worker a core leaves the cores idle a third of the run."""
    return min(8, 2 * (os.cpu_count() or 1))


def pytest_collection_modifyitems(config, items) -> None:
    """Tests marked `slow` start first, one at the head of each worker's share.

    pytest-xdist's worksteal scheduler hands each worker one contiguous slice of the
    collection and lets idle workers steal from the end of the others' queues. A
    test of half a minute left at the end of a slice would run alone while the rest
    of the machine has nothing to do; dealt round the slices' heads, the long tests
    overlap each other and the short ones fill in around them.
    """
    workers = getattr(config, "workerinput", {}).get("workercount", 1)
    slow = [item for item in items if item.get_closest_marker("slow")]
    rest = [item for item in items if not item.get_closest_marker("slow")]
    ordered, remaining = [], len(items)
    for worker in range(workers):
        share = remaining // (workers - worker)  # the scheduler's own split
        heads = slow[worker::workers]
        take = max(0, share - len(heads))
        ordered += heads + rest[:take]
        rest = rest[take:]
        remaining -= share
    items[:] = ordered + rest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """What a test's own body started ends with it, however it ended (a failed assert, a
    pytest-timeout): only fixtures run outside this phase, and they stop their own."""
    with processes.ended_with_block():
        yield


def pytest_sessionfinish(session, exitstatus) -> None:
    """Anything still running (a fixture whose teardown never came) ends with the run."""
    processes.stop_all()


def free_port() -> int:
    """A loopback port free right now, for servers a test starts as processes."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def repo_settings(directions_by: str = "local", **changes) -> ServerSettings:
    """The repository's [server] table, with World Mappers' directions computed in-process
    unless a test asks for them by exchange ("routes"): elsewhere a directions call
    would cost an exchange and a second hop, which those tests do not look at."""
    settings = server_settings(load_config(REPO_CONFIG).server.table)
    settings = replace(settings, api=replace(settings.api, directions_by=directions_by))
    return replace(settings, **changes)


class ServerThread:
    """Runs prepared uvicorn servers on their own event loop, and stops them."""

    def __init__(self, prepared: Prepared) -> None:
        self.prepared = prepared
        self.stopped = False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def serve_all() -> None:
            await asyncio.gather(*(s.serve(sockets=s.sockets) for s in self.prepared.servers))

        asyncio.run(serve_all())

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not all(s.started for s in self.prepared.servers):
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test servers did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        for server in self.prepared.servers:
            server.should_exit = True
        self.thread.join(timeout=10)
        authority = self.prepared.authority
        if authority is not None:
            authority.close()


@dataclass
class Stack:
    """A running authority and/or API, with helpers that speak to them over HTTP."""

    issuer: str
    api_url: str | None
    state_dir: Path
    thread: ServerThread

    @property
    def authority(self):
        return self.thread.prepared.authority

    @property
    def api_state(self):
        """The running API's WorldMappers object (its validator and JWKS cache)."""
        return self.thread.prepared.api

    @property
    def token_url(self) -> str:
        return self.issuer + "oauth/token"

    def token_response(self, client=GIFT, audience=WORLDMAPPERS, **extra) -> httpx.Response:
        return token_response(self.issuer, client, audience, **extra)

    def token(self, client=GIFT, audience=WORLDMAPPERS, **extra) -> str:
        return mint(self.issuer, client, audience, **extra)

    def admin(self) -> httpx.Client:
        return admin_client(self.issuer)

    def call(self, path: str, token: str | None = None, **params) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return _http().get(self.api_url + path, params=params, headers=headers)


@functools.cache
def _trust():
    return httpx.create_ssl_context()


@functools.cache
def _http() -> httpx.Client:
    """One client for the helpers' requests: a new one per request costs about 60 ms
    (mostly loading the CAs) against 5 ms for the request itself."""
    return httpx.Client(verify=_trust(), timeout=PATIENT)


def token_response(issuer: str, client=GIFT, audience=WORLDMAPPERS, **extra) -> httpx.Response:
    """A client_credentials request to the authority at `issuer`."""
    body = {
        "grant_type": "client_credentials",
        "client_id": client[0],
        "client_secret": client[1],
        "audience": audience,
        **extra,
    }
    return _http().post(issuer + "oauth/token", json=body)


def mint(issuer: str, client=GIFT, audience=WORLDMAPPERS, **extra) -> str:
    """An access token from the authority at `issuer`; the test fails if none is given."""
    response = token_response(issuer, client, audience, **extra)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def admin_client(issuer: str) -> httpx.Client:
    """An HTTP client for the Management API at `issuer`, with a token holding every scope."""
    token = mint(issuer, ADMIN, issuer + "api/v2/")
    return httpx.Client(
        base_url=issuer + "api/v2",
        headers={"Authorization": f"Bearer {token}"},
        verify=_trust(),  # loading the CAs again would cost ten times the request
        timeout=PATIENT,
    )


def start_stack(state_dir: Path, settings: ServerSettings | None = None, **options) -> Stack:
    settings = settings or repo_settings(
        throttle=ThrottleSettings(max_failures=5, window_seconds=1)
    )
    # Free ports unless the test names them (a restart on the same issuer).
    options = {
        "host": "127.0.0.1",
        "authority_port": 0,
        "api_port": 0,
        "routes_port": 0,
        **options,
    }
    prepared = prepare(ServeOptions(state_dir=state_dir, settings=settings, **options))
    thread = ServerThread(prepared).start()
    return Stack(prepared.issuer, prepared.api_url, state_dir, thread)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """A fresh tenant: authority and API, seeded from the repository's config.toml."""
    running = start_stack(tmp_path / "state")
    yield running
    running.thread.stop()


@pytest.fixture
def quick_jwks_stack(tmp_path: Path) -> Iterator[Stack]:
    """A stack whose JWKS may be cached for 1 s (`[server] jwks_max_age`), not 5: for
    tests that watch a revoked key being refused, so they do not wait the default out."""
    settings = repo_settings(throttle=ThrottleSettings(max_failures=5, window_seconds=1))
    s = start_stack(tmp_path / "state", replace(settings, jwks_max_age=1))
    yield s
    s.thread.stop()


# What a tenant holds, as the Management API lists it: the shared tenant must end as it began.
TENANT_LISTS = (
    "/resource-servers",
    "/clients",
    "/client-grants",
    "/organizations",
    "/keys/signing",
    "/actions/actions",
)


def tenant_contents(stack: Stack) -> dict:
    """Everything the tenant's Management API lists (up to 100 of each)."""
    with stack.admin() as admin:
        return {path: admin.get(path, params={"per_page": 100}).json() for path in TENANT_LISTS}


@pytest.fixture(scope="session")
def shared_stack(tmp_path_factory) -> Iterator[Stack]:
    """One tenant for tests that only read: faster than a fresh one each.

    Its contents are compared at the end: a test that changed them would make the tests
    after it pass or fail by the order they ran in, so the run fails, naming what changed.
    """
    running = start_stack(tmp_path_factory.mktemp("shared") / "state")
    before = tenant_contents(running)
    yield running
    after = tenant_contents(running)
    running.thread.stop()
    changed = [path for path in TENANT_LISTS if after[path] != before[path]]
    assert not changed, (
        f"a test changed the shared tenant's {', '.join(changed)}: give it a `stack` of its own"
    )


@pytest.fixture
def org_stack(tmp_path: Path) -> Iterator[Stack]:
    """An API serving the organizations acme (alone) and requiring one; the tenant holds
    acme and globex, and Gift Deliveries' grant may use any organization."""
    settings = repo_settings()
    api = replace(settings.api, require_organization=True, organizations=("acme",))
    stack = start_stack(tmp_path / "state", replace(settings, api=api))
    admin = stack.admin()
    for name in ("acme", "globex"):
        assert admin.post("/organizations", json={"name": name}).status_code == 201
    grant = admin.get("/client-grants", params={"client_id": GIFT[0]}).json()[0]
    changed = admin.patch(
        f"/client-grants/{grant['id']}",
        json={"organization_usage": "allow", "allow_any_organization": True},
    )
    assert changed.status_code == 200
    yield stack
    stack.thread.stop()


def serve_app(app, date_header: bool = True, tls=None) -> tuple[str, ServerThread]:
    """Any ASGI app on a free loopback port; returns its base URL and its thread."""
    sock = bind("127.0.0.1", 0)
    server = uvicorn_server(app, sock, tls, date_header=date_header)
    thread = ServerThread(Prepared([server], [])).start()
    scheme = "https" if tls else "http"
    return f"{scheme}://127.0.0.1:{sock.getsockname()[1]}/", thread


class FakeIssuer:
    """A second, independent issuer: discovery and a JWKS with an RSA and an EC key.

    `mode` makes its JWKS misbehave on purpose: "ok", "garbage" (HTML) or "hang".
    """

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
        from starlette.applications import Starlette
        from starlette.responses import HTMLResponse, JSONResponse
        from starlette.routing import Route

        from api_server.jwks import public_jwk

        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.mode = "ok"
        self.jwks_fetches = 0
        self.hanging = 0  # JWKS requests held right now by the "hang" mode
        self.jwks = {
            "keys": [
                public_jwk(self.rsa.public_key(), "fake-rsa", "RS256", None),
                public_jwk(self.ec.public_key(), "fake-ec", "ES256", None),
            ]
        }

        async def discovery(request):
            return JSONResponse({"issuer": self.issuer, "jwks_uri": self.issuer + "jwks"})

        async def jwks(request):
            self.jwks_fetches += 1
            if self.mode == "garbage":
                return HTMLResponse("<html><body>502 Bad Gateway</body></html>")
            if self.mode == "hang":
                self.hanging += 1
                try:  # until the mode changes (the fixture's end), 30 s at most
                    for _ in range(600):
                        if self.mode != "hang":
                            break
                        await asyncio.sleep(0.05)
                finally:
                    self.hanging -= 1
            return JSONResponse(self.jwks)

        app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", discovery),
                Route("/jwks", jwks),
            ]
        )
        self.issuer, self.thread = serve_app(app)

    def sign(self, claims: dict, kid: str = "fake-rsa", alg: str = "RS256", **headers) -> str:
        key = self.ec if alg.startswith("ES") else self.rsa
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid, **headers})

    def claims(self, audience: str = WORLDMAPPERS, **extra) -> dict:
        now = int(time.time())
        return {
            "iss": self.issuer,
            "sub": "robot@clients",
            "aud": audience,
            "iat": now,
            "exp": now + 600,
            "scope": "directions",
            **extra,
        }


@pytest.fixture
def fake_issuer() -> Iterator[FakeIssuer]:
    issuer = FakeIssuer()
    yield issuer
    issuer.mode = "ok"  # a hanging request lets go, so the server can stop
    issuer.thread.stop()


@pytest.fixture(scope="session")
def misbehaving(tmp_path_factory) -> Iterator[MisbehavingServer]:
    server = MisbehavingServer(tmp_path_factory.mktemp("untrusted-tls"))
    yield server
    server.stop()


def b64(data: bytes | dict) -> str:
    """base64url without padding, of bytes or of a dict as JSON (for forging tokens)."""
    if isinstance(data, dict):
        data = json.dumps(data).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(stack: Stack, **extra) -> dict:
    """Gift Deliveries' usual claims at `stack`; `None` drops a claim."""
    now = int(time.time())
    base = {
        "iss": stack.issuer,
        "sub": "giftdeliveries@clients",
        "aud": WORLDMAPPERS,
        "iat": now,
        "exp": now + 600,
        "scope": "directions",
        "azp": "giftdeliveries",
    }
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}


def signed(stack: Stack, payload: dict, **headers) -> str:
    """Signed by the authority's real current key: only the chosen flaw is wrong."""
    key = stack.authority.current_key
    return key.sign(payload, {"kid": key.kid, **headers})


def run_cli(
    tmp_path: Path,
    *args: str,
    stdin: str | None = None,
    env: dict | None = None,
    timeout: float = 60,
):
    """`m2m-tui --config <tmp>/config.toml --state-dir <tmp>/state ARGS` in a subprocess."""
    import os
    import sys

    return processes.run(
        [
            sys.executable,
            "-m",
            "m2m_tui",
            "--config",
            str(tmp_path / "config.toml"),
            "--state-dir",
            str(tmp_path / "state"),
            *args,
        ],
        timeout=timeout,
        input=stdin,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )
