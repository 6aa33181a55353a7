"""A redirect as an HTTP client follows it: the method the next request uses (RFC 9110
§15.4), and whether the Authorization header goes along. What `diagnose` needs to say
where a call went, and whether the token reached the server that answered."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

# Statuses a client follows to the Location (RFC 9110 §15.4.2-15.4.9); 300, 304 and 305
# are not followed by any client.
FOLLOWED = frozenset({301, 302, 303, 307, 308})

# As many hops as a call is followed for, before it is called a loop. Browsers stop at
# 20, curl at 50, httpx at 20: a real API's chain is one or two hops long.
MAX_HOPS = 5


def next_method(status: int, method: str) -> str:
    """RFC 9110 §15.4.4: after a 303, a GET (a HEAD stays a HEAD). §15.4.2-3: after a 301
    or 302 a client MAY turn a POST into a GET, and every common one does (curl -L,
    browsers, fetch, httpx, requests). §15.4.8-9: 307 and 308 keep the method and body."""
    if status == 303 and method != "HEAD":
        return "GET"
    if status in (301, 302) and method == "POST":
        return "GET"
    return method


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port), the port filled in for http and https (RFC 6454 §4)."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def https_upgrade(url: str, location: str) -> bool:
    """The same host, from http on port 80 to https on 443: httpx and requests keep the
    Authorization header across this one change of origin; curl and fetch do not."""
    a, b = origin(url), origin(location)
    return a == ("http", b[1], 80) and b == ("https", a[1], 443)


@dataclass(frozen=True)
class Hop:
    """One redirect: the request that was redirected and where it was sent."""

    status: int
    method: str
    url: str
    location: str  # absolute, resolved against `url` (RFC 9110 §10.2.2)
    carried: bool  # the redirected request carried the Authorization header


@dataclass(frozen=True)
class Redirects:
    """The redirects a call went through before its final answer, and why the
    following stopped where it stopped (None: a final answer came)."""

    hops: tuple[Hop, ...]
    final_url: str
    final_method: str
    # The final request carried the header. Once dropped, it stays dropped (Fetch:
    # A1 -> B -> A2 does not give it back to A2).
    carried: bool
    stopped: str | None = None  # "loop", "no_location", "not_http"

    @property
    def dropped(self) -> bool:
        return bool(self.hops) and self.hops[0].carried and not self.carried

    @property
    def method_changed(self) -> bool:
        return bool(self.hops) and self.hops[0].method != self.final_method


def location_of(url: str, headers: dict[str, str]) -> str | None:
    """The Location an answer points to, absolute; None when it has none."""
    found = {k.lower(): v for k, v in headers.items()}.get("location", "").strip()
    return urljoin(url, found) if found else None


def keeps_authorization(first: str, location: str) -> bool:
    """Fetch (browsers, Node's fetch) and curl (since 7.83, CVE-2022-27776) send the
    Authorization header only to the origin it was given for: scheme, host and port."""
    return origin(first) == origin(location)
