"""Authorization-server metadata: OpenID discovery, else RFC 8414."""

from __future__ import annotations

import httpx

PATHS = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")


async def discover(issuer: str, client: httpx.AsyncClient, field: str) -> str | None:
    """The URL in `field` (`token_endpoint`, `jwks_uri`) of the issuer's metadata, or None."""
    base = issuer.rstrip("/")
    for path in PATHS:
        try:
            response = await client.get(base + path)
            value = response.json().get(field) if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError, AttributeError):
            continue
        if isinstance(value, str) and value.startswith(("https://", "http://")):
            return value
    return None
