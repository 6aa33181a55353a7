"""Where a missing scope is granted, provider by provider: the fix the Why? panel shows
when m2m-tui cannot apply it itself (no Management API for this issuer)."""

from __future__ import annotations


def grant_advice(provider: str, client: str, scope: str, audience: str) -> str:
    """What to change, and where, so that `client`'s next token carries `scope`."""
    api = audience or "the API"
    if provider == "auth0":
        return (
            f"In the Auth0 dashboard: Applications → APIs → {api} → Machine to Machine "
            f"Applications: expand {client}, tick {scope}, Update."
        )
    if provider == "okta":
        return (
            f"In the Okta admin console: Security → API → Authorization Servers → your server: "
            f"add the scope {scope} under Scopes, then under Access Policies give {client} a "
            f"rule that allows client_credentials with {scope}."
        )
    if provider == "keycloak":
        return (
            f"In the Keycloak admin console: Clients → {client} → Client scopes: add the "
            f"client scope that carries {scope} (Default, or Optional and ask for it with "
            "the profile's scope)."
        )
    if provider == "entra":
        return (
            f"In the Microsoft Entra admin center: App registrations → the API ({api}) → "
            f"App roles: a role {scope} for applications; then App registrations → {client} "
            "→ API permissions → Add a permission → Application permissions: that role, and "
            "Grant admin consent."
        )
    return (
        f"Grant {scope} to {client} for {api} in your authorization server's console (or "
        "its admin API)."
    )
