"""Tokens shaped by other providers, or of another kind, that an API reading Auth0's
shapes refuses: named, with the fix that fits where they came from."""

from __future__ import annotations

from m2m_tui.diagnosis.check import Check
from m2m_tui.tokens.decoded import DecodedToken

ID_TOKEN_CLAIMS = ("nonce", "at_hash", "auth_time")


def id_token_claims(token: DecodedToken) -> list[str]:
    """The OpenID Connect sign-in claims an ID token carries and an access token does not."""
    return [c for c in ID_TOKEN_CLAIMS if c in token.payload]


def scopes_elsewhere(token: DecodedToken, needed: str) -> Check | None:
    """Providers that carry permissions outside `scope`, which an API reading `scope`
    (the bundled one, Auth0's validators) does not see."""
    if "scope" in token.payload:
        return None
    scp, roles = token.payload.get("scp"), token.payload.get("roles")
    if isinstance(scp, list):  # Okta: scp as a JSON array
        has = f"{needed} is among them" if needed in scp else f"{needed} is not there either"
        return Check(
            "scope",
            False,
            f"the endpoint needs {needed}; the token carries its scopes in scp as an array "
            f"({' '.join(map(str, scp)) or 'empty'}: Okta's shape), and this API reads the "
            f"space-separated scope claim; {has}",
            "Make the API read scp (an array) as well as scope, or have the issuer add a "
            "scope claim (Okta: a custom claim in the authorization server's Claims tab).",
        )
    if isinstance(roles, list) and not isinstance(scp, str):  # Entra ID app-only tokens
        has = f"{needed} is among them" if needed in roles else f"{needed} is not there either"
        return Check(
            "scope",
            False,
            f"the endpoint needs {needed}; the token carries its permissions in roles "
            f"({' '.join(map(str, roles)) or 'empty'}: an Entra ID app-only token, whose "
            f"application permissions are app roles), and this API reads scope; {has}",
            "Make the API read roles for app-only tokens; in Entra ID, define the permission "
            "as an app role on the API's registration, add it to the client under API "
            "permissions, and grant admin consent.",
        )
    return None
