"""Only the page `m2m-tui web` printed may drive the app: textual-serve, guarded.

textual-serve (1.1) answers any `Host`, accepts a WebSocket from any `Origin` and asks
for no credential. Browsers apply no CORS to WebSockets, and binding to loopback does
not help: a hostile page runs in the user's own browser, and DNS rebinding gives it a
name that resolves to 127.0.0.1. Any page could then open the socket, press keys and
read the screen (tokens, the inspector, the Grants screen). We close it as Jupyter
does, with one aiohttp middleware around textual-serve's own application:

- `Host` must be a name this server was started for (against DNS rebinding);
- a WebSocket's `Origin` must be the page's own origin (present, and one of ours);
- every request carries the per-launch token: `?token=…` once, then an HttpOnly,
  SameSite=Strict cookie (the token leaves the address bar by a redirect).

The page's own URLs (its socket, its statics) follow the name the browser used, so
that `localhost` and `127.0.0.1` both work: cookies are kept per host name.
Self-contained on purpose, so that it can be offered to textual-serve upstream.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
import secrets
import signal
import socket
from dataclasses import dataclass

from aiohttp import web
from textual_serve.server import Server

from m2m_tui.commands.web.app_process import ReapingServer
from oauth_primitives.loopback import is_loopback

TOKEN_PARAM = "token"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
WILDCARDS = ("0.0.0.0", "::", "")


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def host_name(header: str | None) -> str | None:
    """`Host` without its port, lower-cased; IPv6 literals keep their brackets."""
    if not header:
        return None
    header = header.strip().lower()
    if header.startswith("["):
        end = header.find("]")
        return header[: end + 1] if end > 0 else None
    return header.rsplit(":", 1)[0].rstrip(".") or None


@dataclass(frozen=True)
class Guard:
    """What a request must show: a Host among `hosts`, for a WebSocket an Origin among
    `origins`, and `token` (unless None: `--no-token`)."""

    hosts: frozenset[str]
    origins: frozenset[str]
    token: str | None
    cookie: str

    @classmethod
    def for_bind(
        cls, host: str, port: int, token: str | None, extra_hosts: tuple[str, ...] = ()
    ) -> Guard:
        bound = f"[{host}]" if ":" in host and not host.startswith("[") else host
        names = {n.lower() for n in extra_hosts}
        if host not in WILDCARDS:
            names.add(bound.lower())
        if is_loopback(host) or host in WILDCARDS:
            # localhost <-> 127.0.0.1, as people type them (a wildcard serves loopback too;
            # no rebinding name can be one of these).
            names.update(LOOPBACK_NAMES)
        origins = frozenset(f"http://{name}:{port}" for name in names)
        # One cookie per port: two launches on one machine must not evict each other.
        return cls(frozenset(names), origins, token, f"m2m-tui-web-{port}")

    def refusal(self, request: web.Request) -> str | None:
        """Why `request` is refused, or None."""
        if host_name(request.headers.get("Host")) not in self.hosts:
            return "host"
        if request.headers.get("Upgrade", "").lower() == "websocket":
            if request.headers.get("Origin", "").lower() not in self.origins:
                return "origin"
        if self.token is None:
            return None
        offered = request.query.get(TOKEN_PARAM) or request.cookies.get(self.cookie) or ""
        if not secrets.compare_digest(offered.encode(), self.token.encode()):
            return "token"
        return None


_TOKEN_IN_URL = re.compile(rf"([?&]{TOKEN_PARAM}=)[^&\s\"]+")


def redact_token(record: logging.LogRecord) -> bool:
    """The per-launch token is a secret: it never reaches a log (aiohttp's access log
    writes each request line, `GET /?token=… 303` among them)."""
    record.msg = _TOKEN_IN_URL.sub(r"\1…", record.getMessage())
    record.args = ()
    return True


# The origin the browser used for the request being answered (see GuardedServer).
_page_origin: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "page_origin", default=None
)

REFUSALS = {
    "host": (
        "This m2m-tui web server answers only to the names it was started for. "
        "Open the address that <code>m2m-tui web</code> printed in its terminal."
    ),
    "origin": "Only the page this server serves may open its socket.",
    "token": (
        "This page needs the per-launch token. Open the URL that <code>m2m-tui web</code> "
        "printed in its terminal (it ends in <code>?token=…</code>); every launch prints "
        "a new one."
    ),
}


def refusal_page(reason: str) -> web.Response:
    body = (
        "<!doctype html><meta charset=utf-8><title>m2m-tui: forbidden</title>"
        f"<h1>403 Forbidden</h1><p>{REFUSALS[reason]}</p>"
    )
    return web.Response(status=403, text=body, content_type="text/html")


# textual-serve's page asks Google for Roboto Mono: offline it gets nothing, online the
# user's browser tells Google about the launch. The same font ships in textual-serve's
# static folder, and the page is given that one.
_GOOGLE_FONT = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>", re.S)
_LOCAL_FONT = (
    "<style>@font-face { font-family: 'Roboto Mono'; font-style: normal; "
    "src: url('/static/fonts/RobotoMono-VariableFont_wght.ttf') format('truetype'); }"
    "@font-face { font-family: 'Roboto Mono'; font-style: italic; "
    "src: url('/static/fonts/RobotoMono-Italic-VariableFont_wght.ttf') format('truetype'); }"
    "</style>"
)


def local_fonts(response: web.StreamResponse) -> web.StreamResponse:
    if isinstance(response, web.Response) and response.content_type == "text/html":
        if response.text and _GOOGLE_FONT.search(response.text):
            response.text = _GOOGLE_FONT.sub(_LOCAL_FONT, response.text)
    return response


def middleware(guard: Guard):
    @web.middleware
    async def guarded(request: web.Request, handler):
        reason = guard.refusal(request)
        if reason is not None:
            return refusal_page(reason)
        _page_origin.set(f"{request.scheme}://{request.host}")
        if guard.token is not None and TOKEN_PARAM in request.query:
            if request.method == "GET" and request.path == "/":
                # Keep the token in the cookie, not in the address bar or history.
                query = {k: v for k, v in request.query.items() if k != TOKEN_PARAM}
                location = str(request.rel_url.with_query(query))
                response = web.Response(status=303, headers={"Location": location})
            else:
                response = local_fonts(await handler(request))
            response.set_cookie(
                guard.cookie, guard.token, httponly=True, samesite="Strict", path="/"
            )
            return response
        return local_fonts(await handler(request))

    return guarded


class GuardedServer(ReapingServer, Server):
    """textual-serve's Server with the guard in front of every route, and every app
    process ended when its tab closes or the server stops (app_process.py)."""

    def __init__(self, *args, guard: Guard, announce: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard
        self.announce = announce

    # textual-serve builds the page's socket and static URLs from `public_url`: per
    # request it is the origin the browser used, so the cookie and Origin match.
    @property
    def public_url(self) -> str:
        return _page_origin.get() or self._printed_url

    @public_url.setter
    def public_url(self, value: str) -> None:
        self._printed_url = value

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(middleware(self.guard))
        return app

    def serve(self, debug: bool = False) -> None:
        """textual-serve's serve, on a socket bound here first: a port that another
        program holds is said (OSError) before any URL is printed, and the URL is printed
        once the socket listens, so whoever reads it can open it at once."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.bind((self.host.strip("[]"), self.port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        # textual-serve's own serve(), given the socket instead of host and port.
        self.debug = debug
        self.initialize_logging()
        logging.getLogger("aiohttp.access").addFilter(redact_token)
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_exit)
        web.run_app(
            self._make_app(), sock=sock, handle_signals=False, loop=loop, print=lambda *a: None
        )

    async def on_startup(self, app: web.Application) -> None:
        self.console.print(self.announce, highlight=False, soft_wrap=True)
