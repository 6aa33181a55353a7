"""The issuer's JWKS, found by discovery (RFC 8414 / OpenID), with how long it may be
reused (its Cache-Control max-age)."""

from __future__ import annotations

from m2m_tui.lazy import lazy_module

httpx = lazy_module("httpx")


async def fetch_jwks(issuer: str, client: httpx.AsyncClient) -> dict:
    """The issuer's JWKS via RFC 8414 / OpenID discovery. Raises ValueError with a reason."""
    return (await fetch_jwks_with_age(issuer, client))[0]


async def fetch_jwks_with_age(issuer: str, client: httpx.AsyncClient) -> tuple[dict, float | None]:
    """The JWKS and how long it may be reused (its Cache-Control max-age, if any)."""
    from m2m_tui import stale_connection  # httpx, loaded when first needed
    from m2m_tui.oauth.discovery import discover
    from m2m_tui.transcript import describe_transport_error, read_timeout
    from oauth_primitives.http_cache import max_age

    jwks_uri = await discover(issuer, client, "jwks_uri")
    try:
        response = await stale_connection.send(client, "GET", jwks_uri)
    except httpx.HTTPError as exc:
        reason = describe_transport_error(exc, jwks_uri, read_timeout(client))[1]
        raise ValueError(f"cannot read the JWKS: {reason}") from None
    if response.status_code != 200:
        raise ValueError(f"cannot read the JWKS at {jwks_uri}: HTTP {response.status_code}")
    try:
        document = response.json()
    except ValueError:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        raise ValueError(f"{jwks_uri} answered {kind} that is not JSON, not a JWKS") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError(f"{jwks_uri} is not a JWKS (no keys list)")
    return document, max_age(response.headers.get("cache-control"))
