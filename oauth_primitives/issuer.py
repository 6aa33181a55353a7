"""Issuer shorthand, read one way by every side: an Auth0 domain is enough.

`tenant.auth0.com`, `tenant.auth0.com/` and ` tenant.auth0.com ` all mean the issuer
`https://tenant.auth0.com/` (Auth0's issuers end with a slash, and `iss` is compared
exactly). A URL with a scheme is taken as written: its trailing slash, or its absence,
is the issuer's own, and changing it would make every token's iss differ."""

from __future__ import annotations


def normalise_issuer(issuer: str) -> str:
    issuer = issuer.strip()
    if "://" not in issuer:
        return f"https://{issuer.strip('/')}/"
    return issuer
