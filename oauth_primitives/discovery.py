"""Where an issuer's metadata lives, as both sides look for it: OpenID Connect
Discovery first (Auth0 serves it), then RFC 8414's authorization-server metadata."""

from __future__ import annotations

OPENID = "/.well-known/openid-configuration"
OAUTH = "/.well-known/oauth-authorization-server"  # RFC 8414 §3
PATHS = (OPENID, OAUTH)


def metadata_urls(issuer: str) -> list[str]:
    """The URLs to ask, in order. (RFC 8414 §3.1 puts the well-known part before an
    issuer's path; Auth0's issuers have none, and the bundled one neither.)"""
    base = issuer.rstrip("/")
    return [base + path for path in PATHS]
