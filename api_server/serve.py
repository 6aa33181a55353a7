"""Running the bundled servers: the authority on :7000, the API on :7001 and the Routes API
(its downstream) on :7002, in one process or one part per process (`--only`)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import socket
import ssl
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp

from oauth_primitives.loopback import is_loopback
from oauth_primitives.private_files import ensure_private_dir

from .client_certs import ClientTrust
from .settings import ServerSettings
from .tls import TlsFiles, ensure_tls_files

log = logging.getLogger("api_server.serve")
# Allocations between young-generation collections (CPython's default is 700).
GC_YOUNG_THRESHOLD = 20_000


class ServeError(Exception):
    """A reason the servers cannot start, worded for the operator."""


@dataclass(frozen=True)
class ServeOptions:
    state_dir: Path
    settings: ServerSettings
    host: str
    authority_port: int
    api_port: int
    routes_port: int = 7002
    only: str | None = None  # "authority", "api", "routes" or None for all three
    tls: str | None = None  # "both", "authority" (HTTPS there, plain HTTP for the API) or None
    issuer: str | None = None  # the API's issuer, when not the bundled authority
    audience: str | None = None
    allowed_hosts: tuple[str, ...] = ()  # Host names beyond loopback's own (--allow-host)
    # Addresses of a TLS edge whose client-certificate headers are believed (--trust-edge).
    trusted_edges: tuple[str, ...] = ()


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def trusted_hosts(app: ASGIApp, host: str, extra: Sequence[str] = ()) -> ASGIApp:
    """Bound to loopback, answer only to loopback's names (and those given).

    Loopback is no wall: any web page the user opens can reach 127.0.0.1, and with DNS
    rebinding (a hostile name that resolves to 127.0.0.1) it reads the answers too. The
    local tenant's secrets are public, so such a page could take an admin token from
    /oauth/token and drive the Management API. The browser still sends the hostile name
    in `Host`, which Starlette's middleware refuses. Wrapped around the whole app, since
    the authority's token endpoint bypasses Starlette's own middleware stack.
    """
    if not is_loopback(host):
        return app  # reachable by name from elsewhere: the operator chose that (and is warned)
    names = [*LOOPBACK_NAMES, *extra]
    bound = f"[{host}]" if ":" in host else host
    if bound not in names:
        names.append(bound)
    return TrustedHostMiddleware(app, allowed_hosts=names, www_redirect=False)


def exposure_warning(host: str) -> str | None:
    if is_loopback(host):
        return None
    return (
        f"WARNING: binding {host}, beyond loopback: anyone who can reach this machine "
        "can get tokens from the demo clients, whose secrets are published in config.toml."
    )


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def also_localhost(host: str, sock: socket.socket) -> list[socket.socket]:
    """For 127.0.0.1, the same port on ::1 too: `localhost` resolves to ::1 first on many
    machines, and clients without a fallback (the original sample's) must still connect.
    Skipped silently where IPv6 loopback is unavailable or that port is taken there."""
    if host not in ("127.0.0.1", "localhost"):
        return []
    try:
        return [bind("::1", sock.getsockname()[1])]
    except (ServeError, OSError):
        return []


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    # Accepted connections inherit this on Linux; without it, Nagle's algorithm and
    # delayed ACKs hold a response's second write for ~40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = "the address is already in use" if exc.errno == 98 else exc.strerror
        raise ServeError(f"cannot listen on {host}:{port}: {reason}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    # Signals are handled once for every server in the process, in run().
    @contextlib.contextmanager
    def capture_signals(self):
        yield


def uvicorn_server(
    app,
    sock: socket.socket,
    tls: TlsFiles | None,
    date_header: bool = True,
    also: list[socket.socket] | None = None,
    trust: ClientTrust | None = None,
) -> _Server:
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        server_header=False,
        date_header=date_header,
        ssl_certfile=str(tls.cert) if tls else None,
        ssl_keyfile=str(tls.key) if tls else None,
        timeout_graceful_shutdown=3,
    )
    config.host, config.port = sock.getsockname()[:2]
    if tls:
        # Mutual TLS (RFC 8705): the listener asks for a client certificate and hands it
        # to the app (client_certs.py); its trust store is `trust`'s, kept up to date.
        from .client_certs import ClientCertProtocol

        config.http = ClientCertProtocol
        config.load()
        (trust or ClientTrust()).attach(config.ssl)
    server = _Server(config)
    server.sock = sock
    server.sockets = [sock, *(also or [])]  # what it serves on: sock, maybe also ::1
    return server


class _CoalescingHandler(logging.StreamHandler):
    """Writes each line at once but flushes at most every 0.2 s when not on a terminal:
    one flush per request was a quarter of the API's time under load."""

    interval = 0.2

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.last_flush = 0.0
        self.immediate = stream.isatty()
        self._second = -1
        self._stamp = ""
        self._pending: list[str] = []

    def write_line(self, name: str, message: str) -> None:
        """The line `format()` would make ("%H:%M:%S name message"), made cheaply: the
        time stamp is formatted once a second, and lines are written in batches."""
        now = time.time()
        if int(now) != self._second:
            self._second = int(now)
            self._stamp = time.strftime("%H:%M:%S", time.localtime(now))
        with self.lock:
            if not self._pending and not self.immediate:
                # A quiet spell must not hold the last lines back: drain them soon.
                with contextlib.suppress(RuntimeError):
                    asyncio.get_running_loop().call_later(self.interval, self._timed_drain)
            self._pending.append(f"{self._stamp} {name} {message}\n")
            if self.immediate or time.monotonic() - self.last_flush >= self.interval:
                self.drain()

    def _timed_drain(self) -> None:
        with self.lock:
            self.drain()

    def emit(self, record: logging.LogRecord) -> None:
        with self.lock:
            self.drain(flush=False)  # keep the order of lines
        super().emit(record)

    def drain(self, flush: bool = True) -> None:
        if self._pending:
            self.stream.write("".join(self._pending))
            self._pending.clear()
        if flush:
            self.last_flush = time.monotonic()
            logging.StreamHandler.flush(self)

    def flush(self) -> None:
        now = time.monotonic()
        if self.immediate or now - self.last_flush >= self.interval:
            self.last_flush = now
            super().flush()


def configure_logging(debug: bool) -> None:
    handler = _CoalescingHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s", "%H:%M:%S"))
    root = logging.getLogger("api_server")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    root.propagate = False
    from . import access_log

    access_log.line_writer = handler.write_line
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)


@dataclass
class Prepared:
    """Servers bound and built, not yet serving; and what to tell the operator."""

    servers: list[_Server]
    lines: list[str]  # where each server listens (stdout)
    warnings: list[str] = field(default_factory=list)  # what the operator must heed (stderr)
    issuer: str | None = None
    api_url: str | None = None
    authority: object | None = None  # the Authority, when this process runs it
    api: object | None = None  # the API's WorldMappers state, when this process runs it
    routes_url: str | None = None
    routes: object | None = None  # the Routes API's state, when this process runs it
    tls: TlsFiles | None = None


def actions_warning(authority) -> list[str]:
    """Actions need Node.js: without it, the rest serves and the operator is told (a
    token request for a client whose flow has bound Actions then fails, saying why)."""
    from actions_runtime.runner import NodeMissing, node_path

    if node_path() is not None:
        return []
    bound = len(authority.tenant.actions.bound())
    now = (
        f" {bound} Action(s) are bound, and token requests will fail until it is." if bound else ""
    )
    return [f"{NodeMissing()}; everything else works.{now}"]


def prepare(options: ServeOptions) -> Prepared:
    """Open the tenant, bind the sockets and build the apps; nothing is served yet."""
    from .access_log import AccessLog

    state = ensure_private_dir(options.state_dir)
    files = ensure_tls_files(state) if options.tls else None
    # `--tls authority` is the original sample's shape: HTTPS for the token endpoint,
    # plain HTTP on :7001 for the API (which still trusts the local CA to fetch keys).
    tls = files
    api_tls = files if options.tls == "both" else None
    scheme = "https" if tls else "http"
    # One trust store for every TLS listener here: the local client CA, and each
    # certificate registered for self_signed_tls_client_auth (added as they are).
    trust = ClientTrust()
    if files and files.client_ca:
        trust.add(files.client_ca.read_text())
    servers: list[_Server] = []
    lines: list[str] = []
    result = Prepared(servers, lines, tls=files)
    warning = exposure_warning(options.host)
    if warning:
        result.warnings.append(warning)
    if files:
        where = "both servers" if api_tls else "the authorization server (the API is plain HTTP)"
        lines.append(f"TLS on {where}: trust the local CA at {files.ca}")
    issuer = options.issuer
    if options.only in (None, "authority"):
        from .authority.app import create_authority_app
        from .authority.authority import Authority
        from .authority.tenant import Tenant

        sock = bind(options.host, options.authority_port)
        port = sock.getsockname()[1]
        issuer = f"{scheme}://{_url_host(options.host)}:{port}/"
        authority = Authority(Tenant(state / "tenant.db"), options.settings, issuer)
        authority.client_trust = trust
        authority.trusted_edges = frozenset(options.trusted_edges)
        for pem in authority.registered_certificates():
            trust.add(pem)
        app = create_authority_app(authority)
        app = trusted_hosts(app, options.host, options.allowed_hosts)
        app = AccessLog(app, "api_server.authority")
        servers.append(
            uvicorn_server(app, sock, tls, also=also_localhost(options.host, sock), trust=trust)
        )
        result.authority = authority
        result.warnings += actions_warning(authority)
        lines.append(
            f"Authorization server: {issuer}  (issuer; token endpoint {issuer}oauth/token)"
        )
    # The bundled authority's issuer: this process's, else where [server] puts it.
    bundled_issuer = issuer if result.authority is not None else None
    bundled_issuer = bundled_issuer or (
        f"{scheme}://{_url_host(options.host)}:{options.settings.authority_port}/"
    )
    verify: ssl.SSLContext | bool = True
    if files:
        verify = ssl.create_default_context(cafile=str(files.ca))
    if options.only in (None, "routes"):
        from .routes.app import create_routes_app

        routes_settings = options.settings.routes
        routes_issuer = issuer if options.only is None else None
        routes_issuer = routes_issuer or routes_settings.issuer or bundled_issuer
        sock = bind(options.host, options.routes_port)
        base = (
            f"{'https' if api_tls else 'http'}://{_url_host(options.host)}:{sock.getsockname()[1]}"
        )
        routes = create_routes_app(routes_settings, routes_issuer, base, verify)
        result.routes_url, result.routes = base, routes.state.api
        app = AccessLog(
            trusted_hosts(routes, options.host, options.allowed_hosts), "api_server.routes"
        )
        servers.append(uvicorn_server(app, sock, api_tls, also=also_localhost(options.host, sock)))
        lines.append(
            f"Routes API:           {base}/  (audience {routes_settings.audience}; "
            f"issuer {routes_issuer})"
        )
    if options.only in (None, "api"):
        from dataclasses import replace

        from .resource.app import create_api_app

        if issuer is None:
            issuer = options.settings.api.issuer or bundled_issuer
        settings = options.settings.api
        if options.audience:
            settings = replace(settings, audience=options.audience)
        sock = bind(options.host, options.api_port)
        api_scheme = "https" if api_tls else "http"
        base = f"{api_scheme}://{_url_host(options.host)}:{sock.getsockname()[1]}"
        result.api_url = base
        downstream, why_local = directions_downstream(
            settings, issuer, bundled_issuer, result.routes_url, result.authority
        )
        if why_local:
            lines.append(why_local)
        api = create_api_app(settings, issuer, base, verify, downstream)
        result.api = api.state.api
        api.state.api.trusted_edges = frozenset(options.trusted_edges)
        app = AccessLog(trusted_hosts(api, options.host, options.allowed_hosts), "api_server.api")
        servers.append(
            uvicorn_server(app, sock, api_tls, also=also_localhost(options.host, sock), trust=trust)
        )
        lines.append(
            f"World Mappers API:    {base}/  (audience {settings.audience}; issuer {issuer})"
        )
    result.issuer = issuer
    return result


def directions_downstream(
    settings, issuer: str, bundled_issuer: str, served_routes: str | None, authority=None
) -> tuple[tuple[str, str] | None, str | None]:
    """(the token endpoint, the Routes API's URL) when World Mappers' directions go by
    exchange, else None for "local", with why when "routes" was asked but cannot work
    (a line for serve's output): the API's issuer not the bundled authority (an exchange
    there means nothing to it), no Routes API known, no exchange client or secret in the
    config (one written before token exchange), or, with the authority in this process
    (`authority`), a tenant that holds no such client. Directions then still answer,
    computed here, where an exchange doomed to invalid_client would answer 502."""
    if settings.directions_by != "routes" or issuer != bundled_issuer:
        return None, None
    routes_url = settings.routes_url or served_routes
    local = 'World Mappers computes directions itself (directions_by = "local"): '
    if routes_url is None:
        return None, local + "no Routes API is served here and [server.api] names no routes_url"
    client_id = settings.exchange_client_id
    if not client_id or not settings.exchange_client_secret:
        return None, local + (
            "the config's [server.api] lacks exchange_client_id and exchange_client_secret "
            "(a config written before token exchange); copy them, with the world-mappers-api "
            "client, from the shipped config.toml to exchange the caller's token instead"
        )
    tenant = getattr(authority, "tenant", None)
    if tenant is not None and tenant.clients.get(client_id) is None:
        return None, local + (
            f"the tenant holds no client {client_id} (it predates token exchange, or the "
            "client was deleted); add it with its secret (Management API POST /api/v2/clients) "
            "and a grant on the Routes API, or start from a fresh --state-dir"
        )
    return (issuer + "oauth/token", routes_url), None


def tune_gc() -> None:
    """For a process that serves: what start-up built lives as long as the process, so it
    leaves the collector's view (gc.freeze), and young objects are collected less often.
    Requests that wait (a DPoP call while its proof is checked in the helper process)
    outlive the default 700-allocation young generation and were promoted and traversed
    again and again: that cost a DPoP call a quarter of its time (bench/dpop.py)."""
    # No gc.collect() first: it would hold the start-up ~10 ms, and what start-up left as
    # garbage is small; frozen, it is simply never freed.
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)


async def run(servers: list[_Server], ready: Callable[[], None] = lambda: None) -> None:
    """Serve until SIGINT or SIGTERM; call `ready` once every server accepts connections."""
    loop = asyncio.get_running_loop()
    tune_gc()

    def stop() -> None:
        for server in servers:
            if server.should_exit:
                server.force_exit = True
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop)
    tasks = [asyncio.ensure_future(s.serve(sockets=s.sockets)) for s in servers]
    while not all(s.started for s in servers) and not any(t.done() for t in tasks):
        await asyncio.sleep(0.01)
    if all(s.started for s in servers):
        ready()
    await asyncio.gather(*tasks)
    for handler in logging.getLogger("api_server").handlers:
        if isinstance(handler, _CoalescingHandler):
            with handler.lock:
                handler.drain()  # the coalesced tail
