"""Authorization-server metadata: OpenID discovery, else RFC 8414."""

from __future__ import annotations

from m2m_tui.lazy import lazy_module
from oauth_primitives.discovery import PATHS, metadata_urls

httpx = lazy_module("httpx")


class DiscoveryFailed(ValueError):
    """No metadata document named the field; the message says what each place answered.
    `unreachable`: the issuer did not answer at all (a network error, not a missing field)."""

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


async def discover(issuer: str, client: httpx.AsyncClient, field: str) -> str:
    """The URL in `field` (`token_endpoint`, `jwks_uri`) of the issuer's metadata."""
    from m2m_tui import stale_connection  # httpx, loaded when first needed
    from m2m_tui.transcript import describe_transport_error, read_timeout

    problems = []
    unreachable = False
    for path, url in zip(PATHS, metadata_urls(issuer), strict=True):
        try:
            response = await stale_connection.send(client, "GET", url)
        except httpx.HTTPError as exc:
            problems.append(describe_transport_error(exc, url, read_timeout(client))[1])
            if isinstance(exc, httpx.TimeoutException | httpx.ConnectError):
                unreachable = True
                break  # the next path is on the same server: it would only fail again
            continue
        value = _field(response, field)
        if isinstance(value, str) and value.startswith(("https://", "http://")):
            return value
        problems.append(f"{path}: {_why_not(response, field)}")
    raise DiscoveryFailed(
        f"no {field} found by discovery at {issuer} ({'; '.join(problems)})", unreachable
    )


def _field(response: httpx.Response, field: str) -> object:
    if response.status_code != 200:
        return None
    try:
        document = response.json()
    except ValueError:
        return None
    # A dotted field names a member of an object: mtls_endpoint_aliases.token_endpoint.
    for name in field.split("."):
        if not isinstance(document, dict):
            return None
        document = document.get(name)
    return document


def _why_not(response: httpx.Response, field: str) -> str:
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    try:
        document = response.json()
    except ValueError:
        return f"{kind}, not JSON"
    if not isinstance(document, dict):
        return "not a JSON object"
    return f"no {field} in it"


async def server_metadata_with_age(
    issuer: str, client: httpx.AsyncClient
) -> tuple[dict, float | None]:
    """The issuer's whole metadata document (OpenID discovery, else RFC 8414) and how
    long it may be reused; ({}, None) where the issuer publishes none or cannot be
    reached: a diagnosis then says it had nothing to check against."""
    from m2m_tui import stale_connection  # httpx, loaded when first needed
    from oauth_primitives.http_cache import max_age

    for url in metadata_urls(issuer):
        try:
            response = await stale_connection.send(client, "GET", url)
        except httpx.HTTPError as exc:
            if isinstance(exc, httpx.TimeoutException | httpx.ConnectError):
                return {}, None
            continue
        if response.status_code != 200:
            continue
        try:
            document = response.json()
        except ValueError:
            continue
        if isinstance(document, dict):
            return document, max_age(response.headers.get("cache-control"))
    return {}, None
