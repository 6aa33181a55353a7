"""An HTTP exchange as the user sees it: what was sent (secrets masked) and what came back."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field

import httpx

MASK = "••••••"
SENSITIVE_FIELDS = {"client_secret", "client_assertion", "access_token"}


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    masked = {}
    for name, value in headers.items():
        if name.lower() == "authorization":
            scheme = value.split(" ", 1)[0]
            masked[name] = f"{scheme} {MASK}"
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

    def json(self) -> object | None:
        import json

        try:
            return json.loads(self.response_text)
        except ValueError:
            return None


def describe_transport_error(exc: Exception, url: str, timeout: float) -> tuple[str, str]:
    """(error kind, a sentence for the user) for anything httpx raises."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", f"{url} did not answer within {timeout:g} s"
    if isinstance(exc, httpx.ConnectError):
        cause = exc.__context__ or exc.__cause__
        text = str(exc)
        if isinstance(cause, ssl.SSLError) or "CERTIFICATE" in text.upper() or "SSL" in text:
            return "tls", f"TLS error talking to {url}: {text or 'certificate not trusted'}"
        return "network", f"cannot connect to {url}: {text or 'connection refused'}"
    if isinstance(exc, httpx.TooManyRedirects):
        return "redirects", f"{url} redirected too many times"
    if isinstance(exc, httpx.HTTPError):
        return "network", f"{type(exc).__name__} talking to {url}: {exc}"
    return "network", f"{type(exc).__name__}: {exc}"
