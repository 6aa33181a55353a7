"""Tokens shaped by other providers, or of another kind, that an API reading Auth0's
shapes refuses: named, with the fix that fits where they came from."""

from __future__ import annotations

import re

from m2m_tui.diagnosis.causes import Cause
from m2m_tui.diagnosis.check import Check
from m2m_tui.tokens.decoded import DecodedToken
from oauth_primitives.rules.access_token import scopes_of

ID_TOKEN_CLAIMS = ("nonce", "at_hash", "auth_time")
# Microsoft Graph's audience, by URL and by its application id.
GRAPH_AUDIENCES = ("https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000")


def id_token_claims(token: DecodedToken) -> list[str]:
    """The OpenID Connect sign-in claims an ID token carries and an access token does not."""
    return [c for c in ID_TOKEN_CLAIMS if c in token.payload]


def _graph_audience(token: DecodedToken) -> str | None:
    aud = token.payload.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    return next((a for a in auds if isinstance(a, str) and a.rstrip("/") in GRAPH_AUDIENCES), None)


def is_graph_token(token: DecodedToken) -> bool:
    """A Microsoft Graph token: a nonce in its header (Graph hashes it before it checks
    the signature, so the token verifies nowhere else), or Graph's audience."""
    return "nonce" in token.header or _graph_audience(token) is not None


def graph_words(token: DecodedToken) -> str:
    """Why a Graph token fails here, from what this token shows and nothing else: the
    header's nonce only when the header has one, Graph's audience only when aud is it."""
    shown = []
    aud = _graph_audience(token)
    if aud is not None:
        shown.append(f"its aud is {aud}, Microsoft Graph's")
    if "nonce" in token.header:
        shown.append(
            "its header carries a nonce, which Graph hashes before it checks the signature, "
            "so the signature verifies nowhere but at Graph"
        )
    else:
        shown.append("it is for Graph, and an API other than Graph does not take it")
    return "this is a Microsoft Graph token: " + "; ".join(shown)


def from_entra(token: DecodedToken) -> bool:
    """The issuer says Entra ID (v1.0 or v2.0): only then is a shape called Entra's token."""
    return entra_version(token.payload.get("iss")) is not None


def _strings(value: object) -> list[str] | None:
    """A claim holding a list of strings (or a space-separated string), else None."""
    if isinstance(value, str):
        return [v for v in value.split(" ") if v]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _has(values: list[str], needed: str) -> str:
    return f"{needed} is among them" if needed in values else f"{needed} is not there either"


def scopes_elsewhere(token: DecodedToken, needed: str) -> Check | None:
    """What the client may do, where an API reading `scope` (the bundled one, Auth0's
    validators) does not look: Auth0 RBAC's `permissions`, Okta's `scp` array, Entra
    ID's app roles in `roles`. Named when the needed value is there, or when `scope`
    itself is absent."""
    payload = token.payload
    permissions = _strings(payload.get("permissions"))
    if permissions is not None and (needed in permissions or "scope" not in payload):
        return Check(
            "scope",
            False,
            f"the endpoint needs {needed}; the token carries the client's permissions in "
            f"permissions ({' '.join(permissions) or 'empty'}: Auth0's RBAC, with \"Add "
            f'Permissions in the Access Token"), and this API reads scope '
            f"({' '.join(sorted(scopes_of(payload))) or 'none'}); {_has(permissions, needed)}",
            "Make the API read permissions (express-oauth2-jwt-bearer: "
            "claimIncludes('permissions', …) instead of requiredScopes), or grant the scope "
            "to the client itself (Auth0 dashboard → APIs → Machine to Machine "
            "Applications), which puts it in scope.",
            cause=Cause.PERMISSIONS_CLAIM,
        )
    if "scope" in payload:
        return None
    scp, roles = payload.get("scp"), payload.get("roles")
    if isinstance(scp, list):  # Okta: scp as a JSON array
        return Check(
            "scope",
            False,
            f"the endpoint needs {needed}; the token carries its scopes in scp as an array "
            f"({' '.join(map(str, scp)) or 'empty'}: the shape Okta issues), and this API "
            f"reads the space-separated scope claim; {_has(scp, needed)}",
            "Make the API read scp (an array) as well as scope, or have the issuer add a "
            "scope claim (Okta: a custom claim in the authorization server's Claims tab).",
            cause=Cause.OKTA_SCP,
        )
    if isinstance(scp, str):  # Entra ID delegated tokens: scp, space-separated
        held = [v for v in scp.split(" ") if v]
        who = (
            "this Entra ID delegated token's issuer"
            if from_entra(token)
            else "Entra ID's delegated tokens"
        )
        return Check(
            "scope",
            False,
            f"the endpoint needs {needed}; the token carries its scopes in scp ({scp or 'empty'}: "
            f"{who} name them so), and this API reads scope; "
            f"{_has(held, needed)}",
            "Make the API read scp as well as scope (Microsoft.Identity.Web and most Entra ID "
            "validators do), or have the issuer add a scope claim.",
            cause=Cause.SCP_CLAIM,
        )
    if isinstance(roles, list):  # Entra ID app-only tokens
        kind = (
            "an Entra ID app-only token"
            if from_entra(token)
            else "an Entra ID app-only token's shape"
        )
        return Check(
            "scope",
            False,
            f"the endpoint needs {needed}; the token carries its permissions in roles "
            f"({' '.join(map(str, roles)) or 'empty'}: {kind}, whose "
            f"application permissions are app roles), and this API reads scope; "
            f"{_has(roles, needed)}",
            "Make the API read roles for app-only tokens; in Entra ID, define the permission "
            "as an app role on the API's registration, add it to the client under API "
            "permissions, and grant admin consent.",
            cause=Cause.ENTRA_ROLES,
        )
    return None


# What people and code put between scopes instead of a space: a comma (GitHub's and
# Facebook's APIs use one, and `",".join(scopes)`), a semicolon, and a space encoded
# twice or never decoded (`+`, `%20`, `%2C`).
_SEPARATORS = re.compile(r"\s*(?:,|;|\+|%20|%2[Cc])\s*")


def scope_separator(token: DecodedToken, needed: str) -> Check | None:
    """The needed scope inside a scope string joined by something other than spaces:
    RFC 6749 §3.3 separates scopes by spaces, so `directions,geocode:location` is one
    scope, named with a comma, to every API."""
    scope = token.payload.get("scope")
    if not isinstance(scope, str):
        return None
    for item in scope.split(" "):
        pieces = [p for p in _SEPARATORS.split(item) if p]
        if item != needed and needed in pieces:
            joiner = _SEPARATORS.search(item).group().strip() or "a space"
            spaced = " ".join(pieces)
            return Check(
                "scope",
                False,
                f"the endpoint needs {needed}; the token's scope is {scope!r}, scopes "
                f"joined by {joiner!r}: RFC 6749 §3.3 separates scopes by spaces, so to "
                f"the API {item!r} is one scope, and {needed} is not held",
                f"Separate the scopes by spaces where they are requested or set: "
                f"scope={spaced.replace(' ', '%20')} in the token request (a form body: "
                f"`scope={spaced}` URL-encoded once), and an Action or a mapper that "
                "joins scopes must join them with a space; then request a new token.",
                cause=Cause.SCOPE_SEPARATOR,
            )
    return None


def scope_by_case(token: DecodedToken, needed: str) -> Check | None:
    """A held scope that differs from the needed one only by case: RFC 6749 §3.3 makes
    scope values case-sensitive, so `Directions` is not `directions`."""
    held = set(scopes_of(token.payload))
    for claim in ("permissions", "scp", "roles"):
        held.update(_strings(token.payload.get(claim)) or [])
    near = sorted(s for s in held if s != needed and s.casefold() == needed.casefold())
    if not near:
        return None
    return Check(
        "scope",
        False,
        f"the endpoint needs {needed}; the token has {near[0]}, which differs only by case, "
        "and scope values are case-sensitive (RFC 6749 §3.3): to the API it is another scope",
        f"Define and grant the scope exactly as the API checks it ({needed}), at the issuer "
        "and in the client's grant, then request a new token.",
        cause=Cause.SCOPE_CASE,
    )


# Entra ID's issuers, by token version: v1.0 tokens come from the STS host, v2.0 ones from
# the login host with /v2.0 (the public cloud, US Government and the China cloud).
ENTRA_V1 = re.compile(r"https://(?:sts\.windows\.net|sts\.chinacloudapi\.cn)/([^/]+)/?")
ENTRA_V2 = re.compile(
    r"https://(?:login\.microsoftonline\.(?:com|us)|login\.partner\.microsoftonline\.cn"
    r"|login\.chinacloudapi\.cn)/([^/]+)/v2\.0/?"
)


def entra_version(iss: object) -> tuple[str, str] | None:
    """(version, tenant) of an Entra ID issuer: v1.0 tokens come from sts.windows.net,
    v2.0 ones from login.microsoftonline.com/<tenant>/v2.0."""
    if not isinstance(iss, str):
        return None
    v1 = ENTRA_V1.fullmatch(iss)
    if v1:
        return "1.0", v1.group(1)
    v2 = ENTRA_V2.fullmatch(iss)
    if v2:
        return "2.0", v2.group(1)
    return None


VERSIONS = (
    "Entra ID issues the version the API's app registration asks for, in its manifest's "
    "accessTokenAcceptedVersion (null or 1: v1.0, with iss sts.windows.net/<tenant>/ and "
    "aud the Application ID URI; 2: v2.0, with iss login.microsoftonline.com/<tenant>/v2.0 "
    "and aud the API's client id)"
)


def entra_version_check(token: DecodedToken, expected: str, code: str) -> Check | None:
    """An Entra ID token of one version at an API that expects another issuer: the other
    version's (of the same tenant or not), or one that is not Entra's at all, as an API
    written for v2.0 tokens names it. The API's app registration decides which version
    Entra issues (accessTokenAcceptedVersion)."""
    iss = token.payload.get("iss")
    got, want = entra_version(iss), entra_version(expected)
    if got is None or (want is not None and want[0] == got[0]):
        return None  # not Entra's, or the same version (another tenant: the plain words)
    said = f"this is an Entra ID v{got[0]} token (iss {iss}"
    if token.payload.get("ver") in ("1.0", "2.0"):
        said += f", ver {token.payload['ver']}"
    tenant = got[1]
    if want is None:
        said += f"), and the API expects iss {expected}, which is no Entra ID issuer. "
    else:
        said += f"), and the API expects v{want[0]} tokens (iss {expected}). "
        if want[1] != tenant:
            said += f"The tenants differ too ({tenant} here, {want[1]} there). "
    if got[0] == "1.0":
        v2 = f"https://login.microsoftonline.com/{tenant}/v2.0"
        fix = (
            "To get v2.0 tokens, set accessTokenAcceptedVersion to 2 in the API's app "
            "registration manifest (Entra admin center → App registrations → the API → "
            f"Manifest), request a new token, and have the API expect iss {v2} and aud "
            f"the API's client id; or configure the API to accept the v1.0 issuer {iss} "
            "(and the Application ID URI as its audience)."
        )
    else:
        fix = (
            "Set accessTokenAcceptedVersion to null (or 1) in the API's app registration "
            "manifest, then request a new token; or configure the API to accept the v2.0 "
            f"issuer {iss} (and the API's client id as its audience)."
        )
    return Check("iss", False, said + VERSIONS, fix, code, Cause.ENTRA_TOKEN_VERSION)


KEYCLOAK = re.compile(r"https?://[^/]+(/auth)?/realms/[^/]+/?")
OKTA_DEFAULT = re.compile(r"https://[^/]+/oauth2/default/?")
COGNITO = re.compile(r"https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com/[^/]+/?")


def provider_audience(token: DecodedToken, expected: str) -> tuple[str, str, str] | None:
    """(what the token is, its cause, the fix) for the audience another provider puts in
    by default, where the API expects its own."""
    iss, aud = token.payload.get("iss"), token.payload.get("aud")
    auds = aud if isinstance(aud, list) else [aud] if aud is not None else []
    if not isinstance(iss, str):
        return None
    if KEYCLOAK.fullmatch(iss) and (not auds or set(auds) <= {"account"}):
        return (
            "a Keycloak access token for account, the audience Keycloak gives a token when "
            "no mapper adds the API's",
            Cause.KEYCLOAK_AUDIENCE,
            f"In Keycloak, add an Audience mapper with Included Custom Audience {expected} "
            "(Clients → the client → Client scopes → its dedicated scope → Add mapper → By "
            "configuration → Audience), then request a new token.",
        )
    if OKTA_DEFAULT.fullmatch(iss) and "api://default" in auds:
        return (
            "an Okta token from the default authorization server, whose audience is api://default",
            Cause.OKTA_DEFAULT_AUDIENCE,
            f"Set the authorization server's Audience to {expected} (Okta admin → Security → "
            "API → Authorization Servers), or use a custom authorization server for this "
            "API, or configure the API to expect api://default.",
        )
    if COGNITO.fullmatch(iss) and not auds and token.payload.get("token_use") == "access":
        return (
            "an Amazon Cognito access token: Cognito puts the client in client_id and gives "
            "access tokens no aud at all",
            Cause.COGNITO_NO_AUD,
            "Make the API check client_id and token_use (access) for Cognito tokens instead "
            "of aud (aws-jwt-verify does); an ID token has aud, but is no access token.",
        )
    return None
