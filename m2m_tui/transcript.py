"""An HTTP exchange as the user sees it: what was sent (secrets masked) and what came back."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from m2m_tui.lazy import lazy_module

httpx = lazy_module("httpx")


MASK = "••••••"
SENSITIVE_FIELDS = {
    "client_secret",
    "client_assertion",
    # RFC 8693's subject and actor tokens: credentials as much as the token they buy.
    "subject_token",
    "actor_token",
    "access_token",
    "refresh_token",
    "id_token",
    "password",
}
# Headers that carry a credential, whoever set them (a user's own, from `call -H` or the
# request editor, too): shown and exported masked.
SECRET_HEADERS = {"cookie", "set-cookie", "x-api-key", "api-key", "proxy-authorization"}


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    masked = {}
    for name, value in headers.items():
        if name.lower() == "authorization":
            scheme = value.split(" ", 1)[0]
            masked[name] = f"{scheme} {MASK}"
        elif name.lower() == "dpop":
            # Single-use and short-lived, yet a credential while it lives: shown decoded
            # (the exchange's `proof`), its compact form cut to its header.
            masked[name] = value[:12] + "…"
        elif name.lower() in SECRET_HEADERS:
            masked[name] = MASK
        else:
            masked[name] = value
    return masked


def mask_fields(body: dict[str, str]) -> dict[str, str]:
    return {k: (MASK if k in SENSITIVE_FIELDS else v) for k, v in body.items()}


@dataclass
class Exchange:
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_text: str = ""
    duration_ms: float = 0.0
    proof: dict | None = None  # the DPoP proof sent, decoded (RFC 9449)
    request_content: str | None = None  # an API call's body, as sent (not a token request's)

    def json(self) -> object | None:
        import json

        try:
            return json.loads(self.response_text)
        except ValueError:
            return None


def masked_token(token: str) -> str:
    """A token cut to its first 12 characters (the header, which says nothing secret):
    enough to tell tokens apart, useless to replay."""
    return token[:12] + "…" + MASK if len(token) > 12 else MASK


def mask_token_in(text: str) -> str:
    """A token response's body with the token cut to its first 12 characters (the
    header, which says nothing secret): enough to tell tokens apart, useless to replay."""
    import json

    try:
        body = json.loads(text)
    except ValueError:
        return text
    if not isinstance(body, dict):
        return text
    found = False
    for name in ("access_token", "refresh_token", "id_token"):
        token = body.get(name)
        if isinstance(token, str):
            body[name] = masked_token(token)
            found = True
    return json.dumps(body) if found else text


def read_timeout(client: httpx.AsyncClient) -> float:
    """The client's read timeout, to say in a message how long was waited."""
    return client.timeout.read or 0.0


def _causes(exc: BaseException):
    """`exc` and every exception it was raised from or during, innermost last."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def closed_without_answer(exc: BaseException) -> bool:
    """The server closed the connection, or reset it, before one byte of an answer:
    told by the exception's type and how far the answer got, not by its message."""
    from m2m_tui.stale_connection import answer_began

    if not isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError):
        return False
    not_http = any(type(cause).__module__.startswith("h11") for cause in _causes(exc))
    return not answer_began(exc) and not not_http


def speaks_tls(url: str, timeout: float = 1.0) -> bool:
    """Whether the server behind an http:// URL completes a TLS handshake: one that speaks
    HTTPS only, which a plain HTTP request meets with a closed connection."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return False
    # A probe, not a request: nothing is sent over it, so any certificate will do.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=parts.hostname):
                return True
    except (OSError, ValueError):  # ssl.SSLError is an OSError: not TLS, or not there
        return False


def _literal_host(url: str) -> bool:
    import ipaddress

    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost"
    return True


def https_advice(url: str) -> str:
    """What to change when `url` (http://) reaches a server that speaks HTTPS."""
    parts = urlsplit(url)
    origin = f"https://{parts.netloc}/"
    return (
        f"{url} speaks HTTPS, not plain HTTP (the bundled server does after `m2m-tui serve "
        f"--tls`). Reach it with {origin} in the profile (issuer, or api_base_url for an API) "
        "and ca_file naming the CA that signed its certificate; for the bundled server, "
        'bundled = "https" in place of bundled = true does both (issuer and api_base_url '
        "from [server], ca_file <state-dir>/tls/ca.pem); or restart that server without --tls"
    )


def describe_transport_error(exc: Exception, url: str, timeout: float) -> tuple[str, str]:
    """(error kind, a sentence for the user) for anything httpx raises.

    Decided by the exceptions' types and by how far the answer got (recorded by
    `stale_connection.send`), never by their messages, which belong to httpx, httpcore
    and h11 and change between their versions."""
    from m2m_tui.stale_connection import answer_began

    if isinstance(exc, httpx.TimeoutException):
        return "timeout", f"{url} did not answer within {timeout:g} s"
    # A connection that never opened is probed only where no name must be looked up
    # again (a name that did not resolve may take long to fail once more).
    plain_refused = (isinstance(exc, httpx.ConnectError) and _literal_host(url)) or (
        isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError)
        and not answer_began(exc)
    )
    # An HTTPS server meets a plain request with a closed connection (or a TLS alert,
    # which is no HTTP): a handshake tells it from a crash.
    if plain_refused and speaks_tls(url):
        return "tls", https_advice(url)
    if isinstance(exc, httpx.ConnectError):
        text = str(exc)
        if any(isinstance(cause, ssl.SSLError) for cause in _causes(exc)):
            return "tls", f"TLS error talking to {url}: {text or 'certificate not trusted'}"
        return "network", f"cannot connect to {url}: {text or 'connection refused'}"
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError):
        # A server killed after it sent the head of its answer, before the body was whole.
        if answer_began(exc):
            return "network", (
                f"{url} closed the connection in the middle of its answer (did the server "
                "crash or restart?)"
            )
        # Bytes came that h11 could not read as HTTP/1.1: the server answered, but not HTTP.
        if any(type(cause).__module__.startswith("h11") for cause in _causes(exc)):
            return "protocol", f"{url} answered something that is not HTTP/1.1: {exc}"
        # Killed mid-request: a reset (ReadError, WriteError, often with no message at
        # all) or a close (RemoteProtocolError), the same event for a user.
        return "network", (
            f"{url} closed the connection without answering (did the server crash or restart?)"
        )
    if isinstance(exc, httpx.TooManyRedirects):
        return "redirects", f"{url} redirected too many times"
    if isinstance(exc, httpx.HTTPError):
        return "network", f"{type(exc).__name__} talking to {url}: {exc}"
    return "network", f"{type(exc).__name__}: {exc}"


def describe_odd_answer(exchange: Exchange) -> str | None:
    """A sentence when an answer is not what an API should send, else None.

    Said next to the raw answer so a fault of the server is never mistaken
    for a problem with the token.
    """
    status = exchange.status
    if status is None:
        return None
    headers = {k.lower(): v for k, v in exchange.response_headers.items()}
    if 300 <= status < 400:
        target = headers.get("location", "?")
        return (
            f"the API redirects (HTTP {status}) to {target}; m2m-tui does not follow "
            "redirects with a bearer token: set api_base_url to the final address"
        )
    if status >= 500:
        return f"the API failed (HTTP {status}): a fault on the server, not in the token"
    if not exchange.response_text.strip():
        return None
    kind = headers.get("content-type", "").split(";")[0].strip() or "no content type"
    if kind != "application/json" and not kind.endswith("+json"):
        return f"the API answered {kind}, not JSON"
    if exchange.json() is None:
        return "the API's JSON is malformed or cut short"
    return None
