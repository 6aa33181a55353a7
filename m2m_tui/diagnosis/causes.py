"""The causes of a refusal that a person who has met them before would name: one stable
code each (`diagnose --json`'s `causes`), with the name the checklist shows.

A cause is not a rule: the rule book says which rule a server applied (`scope_missing`),
the cause says why the token broke it (the permissions sit in Auth0's `permissions`
claim). A check carries both, when it knows the cause."""

from __future__ import annotations

from enum import StrEnum


class Cause(StrEnum):
    # The token is of another kind, or for another API.
    NO_AUDIENCE = "no_audience"
    ID_TOKEN = "id_token"
    MANAGEMENT_API_TOKEN = "management_api_token"
    GRAPH_TOKEN = "graph_token"
    # The audience other providers put by default, where the API expects its own.
    KEYCLOAK_AUDIENCE = "keycloak_audience"
    OKTA_DEFAULT_AUDIENCE = "okta_default_audience"
    COGNITO_NO_AUD = "cognito_no_aud"
    # What the client may do sits where the API does not read it, or is spelt otherwise.
    PERMISSIONS_CLAIM = "permissions_claim"
    ENTRA_ROLES = "entra_roles"
    OKTA_SCP = "okta_scp"
    SCP_CLAIM = "scp_claim"
    SCOPE_CASE = "scope_case"
    SCOPE_SHAPE = "scope_shape"
    SCOPE_SEPARATOR = "scope_separator"
    SUBJECT_NOT_STRING = "subject_not_string"
    # The header and the token's size.
    SYMMETRIC_ALG = "symmetric_alg"
    CRIT_HEADER = "crit_header"
    # The key: in the issuer's JWKS, under a kid other than the token's.
    KID_MISMATCH = "kid_mismatch"
    TOO_LARGE = "too_large"
    # The issuer: Entra ID's two token versions.
    ENTRA_TOKEN_VERSION = "entra_token_version"
    # Time.
    CLOCK_SKEW = "clock_skew"
    TIME_IN_MILLISECONDS = "time_in_milliseconds"
    TIME_ZONE_OFFSET = "time_zone_offset"
    # What was pasted, and what reached the API.
    # No token at all: what a program sends when it holds none (m2m_tui.tokens.not_a_token).
    UNSET_VARIABLE = "unset_variable"
    OBJECT_AS_TEXT = "object_as_text"
    TEMPLATE_UNFILLED = "template_unfilled"
    SIGNATURE_CUT_OFF = "signature_cut_off"
    SHORTENED = "shortened"
    SIGNATURE_TRUNCATED = "signature_truncated"
    TRAILING_CHARACTERS = "trailing_characters"
    BASIC_CREDENTIALS = "basic_credentials"
    AUTHORIZATION_DROPPED = "authorization_dropped"
    REDIRECT_DROPPED = "redirect_dropped_header"
    # Mutual TLS (RFC 8705): the certificate a bound token needs, and the one presented.
    CERTIFICATE_MISSING = "certificate_missing"
    CERTIFICATE_MISMATCH = "certificate_mismatch"
    CERTIFICATE_UNTRUSTED = "certificate_untrusted"
    NOT_CERTIFICATE_BOUND = "not_certificate_bound"


# The name a person gives each cause: the checklist's "Cause:" line and the README's table.
NAMES: dict[Cause, str] = {
    Cause.NO_AUDIENCE: "a token requested without an audience: encrypted or opaque, for /userinfo",
    Cause.ID_TOKEN: "an ID token sent as an access token",
    Cause.MANAGEMENT_API_TOKEN: "a token for Auth0's Management API, not this API",
    Cause.GRAPH_TOKEN: "a Microsoft Graph token, which only Graph can verify",
    Cause.KEYCLOAK_AUDIENCE: "a Keycloak token for `account`: no mapper adds the API's audience",
    Cause.OKTA_DEFAULT_AUDIENCE: "an Okta token for `api://default`, the default server's audience",
    Cause.COGNITO_NO_AUD: "an Amazon Cognito access token, which carries client_id and no aud",
    Cause.PERMISSIONS_CLAIM: "Auth0 RBAC: the permissions are in `permissions`, not `scope`",
    Cause.ENTRA_ROLES: "Entra ID app-only: the permissions are app roles in `roles`",
    Cause.OKTA_SCP: "Okta: the scopes are an array in `scp`",
    Cause.SCP_CLAIM: "the scopes are a string in `scp` (Entra ID delegated tokens), not `scope`",
    Cause.SCOPE_CASE: "a scope that differs only by case (scopes are case-sensitive)",
    Cause.SCOPE_SHAPE: "a scope claim in a non-standard shape (not one string)",
    Cause.SCOPE_SEPARATOR: "scopes joined by commas (or `+`, `;`), not spaces (RFC 6749 §3.3)",
    Cause.SUBJECT_NOT_STRING: "sub written as a number (a database id), an object or null",
    Cause.SYMMETRIC_ALG: "a token signed with a shared secret (HS256), not the issuer's key",
    Cause.CRIT_HEADER: "a crit header naming an extension the API does not understand",
    Cause.KID_MISMATCH: "a kid that names the issuer's key otherwise than its JWKS does",
    Cause.TOO_LARGE: "a token larger than a server or proxy takes in a header",
    Cause.ENTRA_TOKEN_VERSION: "an Entra ID v1.0 token at an API that expects v2.0 (or back)",
    Cause.CLOCK_SKEW: "clocks that disagree (nbf or iat ahead of the API's clock)",
    Cause.UNSET_VARIABLE: "no token: a variable never set (`undefined`, `null`, `None`, empty)",
    Cause.OBJECT_AS_TEXT: "no token: an object turned into text (`[object Object]`, JSON)",
    Cause.TEMPLATE_UNFILLED: "no token: a template never filled in (`{{token}}`, `${TOKEN}`)",
    Cause.TIME_IN_MILLISECONDS: "times in milliseconds where RFC 7519 asks for seconds",
    Cause.TIME_ZONE_OFFSET: "times stamped whole hours off UTC: the issuer's time zone bug",
    Cause.SIGNATURE_CUT_OFF: "a JWT whose signature was cut off when it was copied",
    Cause.SIGNATURE_TRUNCATED: "a JWT cut short on its way: bytes of its signature missing",
    Cause.TRAILING_CHARACTERS: "a JWT with characters after its signature (a quote, `%22`)",
    Cause.SHORTENED: "a token shortened for display (an ellipsis where characters were)",
    Cause.BASIC_CREDENTIALS: "HTTP Basic credentials (client id and secret) sent as a token",
    Cause.AUTHORIZATION_DROPPED: "the Authorization header never reached the API",
    Cause.REDIRECT_DROPPED: "a redirect to another origin, where clients drop Authorization",
    Cause.CERTIFICATE_MISSING: "a certificate-bound token sent without its certificate",
    Cause.CERTIFICATE_MISMATCH: "a certificate-bound token sent with another certificate",
    Cause.CERTIFICATE_UNTRUSTED: "a client certificate the server does not trust",
    Cause.NOT_CERTIFICATE_BOUND: "an unbound token at an API that takes bound tokens only",
}
