"""The next step to suggest after a token endpoint's refusal, or an opaque token.

Chosen from codes and from what the request carried, never from the words of an
`error_description`: the bundled authority says why in a code (`rule`, see
`oauth_primitives.token_refusals`), and for any other provider the RFC 6749 `error` and
the request itself are all there is. Where one error covers several causes (Auth0's
`access_denied`), the hint names them all; the description, shown beside it, says which."""

from __future__ import annotations

from oauth_primitives.rules.client_auth import assertion_method
from oauth_primitives.rules.closed_sets import AuthMethod
from oauth_primitives.rules.jws import read_object
from oauth_primitives.token_exchange import GRANT_TYPE as EXCHANGE_GRANT
from oauth_primitives.token_refusals import (
    ASSERTION_REFUSALS,
    ORGANIZATION_REFUSALS,
    QUOTA_REFUSALS,
    Refusal,
)

DPOP_REQUIRED = (
    "This API requires DPoP (proof_of_possession): set `dpop = true` in the profile, "
    "or turn it off for the API (Grants screen, key g)."
)
ORGANIZATIONS = (
    "The client's grant for this API decides which organizations a token may name: "
    "its organization_usage (deny, allow, require) and the organizations associated "
    "with it, or allow_any_organization (Auth0 dashboard → Applications → the "
    "application → APIs and Organizations; or the Management API's client-grants "
    "and organizations/{id}/client-grants). The token request's organization is the "
    "profile's `organization`, or --organization."
)
UNKNOWN_AUDIENCE = "Check the API identifier (audience): no API with that identifier exists here."
NO_GRANT = (
    "Authorize this client for the API: create a client grant (Grants screen, key g; "
    "or Auth0 dashboard → APIs → Machine to Machine Applications)."
)
CERTIFICATE_REFUSED = (
    "The server did not authenticate the client by this profile's certificate (mutual "
    "TLS, RFC 8705): register it for the client (`m2m-tui certs register NAME CLIENT`, or "
    "the Grants screen's ctrl+e), check the profile's auth_method against the client's "
    "(self-signed: self_signed_tls_client_auth; CA-issued: tls_client_auth), and call an "
    "https issuer (over plain HTTP no certificate is presented)."
)
ACCESS_DENIED = (
    "The server denied this client a token for the API. At Auth0 the cause is one of: "
    "no API has this identifier (check the profile's audience), the client has no grant "
    "for the API (Auth0 dashboard → APIs → Machine to Machine Applications), or the "
    "grant does not allow the organization named. The description says which."
)
ACTION_DENIED = (
    "A credentials-exchange Action denied the token (api.access.deny): the code and the "
    "description are the Action's own. `m2m-tui actions list` shows the bound Actions, "
    "`m2m-tui preview` which one denies and why; fix it, or unbind it."
)
ACTION_FAILED = (
    "A credentials-exchange Action failed (it threw, ran out of time, or Node.js is missing "
    "at the server): `m2m-tui actions test FILE` runs it here and shows its error and its "
    "console.log lines; the description names the Action."
)
# With the Action named (the bundled authority's `action`): the way back, then the fix.
UNBIND = "`m2m-tui actions unbind {0}` takes it out of the flow now"
FIX = (
    "to fix it, `m2m-tui actions test FILE` runs it here (its error, its console.log "
    "lines), then `m2m-tui actions deploy FILE`"
)
NAMED = {
    Refusal.ACTION_DENIED: (
        "A credentials-exchange Action denied the token: {0}, by api.access.deny (the code "
        "and the description are its own). `m2m-tui preview` shows why; change it and "
        "`m2m-tui actions deploy FILE`, or {unbind}."
    ),
    Refusal.ACTION_FAILED: (
        "Action {0} fails, and with it every token request it runs for: {unbind}; {fix}."
    ),
    Refusal.ACTION_TIMED_OUT: (
        "Action {0} ran out of time (a loop that never ends, or a promise never settled), "
        "and with it every token request it runs for: {unbind}; {fix}."
    ),
}
CLAIMS_TOO_LARGE = (
    "The bound Actions add custom claims over Auth0's 100 KB limit: `m2m-tui preview` "
    "shows each claim and the Action it comes from; set fewer or smaller ones."
)
DIALECT_NEEDS_RBAC = (
    "The API's token dialect adds RBAC's permissions, and RBAC is off: turn RBAC on for "
    "the API (enforce_policies), or choose a dialect without _authz (Grants screen, key g)."
)
ASSERTION = (
    "The server refused the private_key_jwt assertion (RFC 7523): check that the profile's "
    "private_key_file is the key registered for the client, and this machine's clock; the "
    "description says which check failed."
)
SECRET_ASSERTION = (
    "The server refused the client_secret_jwt assertion (RFC 7523, an HMAC keyed with the "
    "client secret): check that the profile's secret (client_secret_env, "
    "client_secret_prompt or client_secret) is the client's current one, and this "
    "machine's clock; the description says which check failed."
)
SECRET_NOT_KEPT = (
    "The server keeps no copy of this client's secret to check a client_secret_jwt "
    "assertion with (only a hash): rotate the client's secret "
    "(POST /api/v2/clients/{id}/rotate-secret) and give the profile the new one."
)
METHOD_NOT_REGISTERED = (
    "The profile authenticates another way than the client is registered for: set the "
    "profile's auth_method to the client's (the description names it)."
)
# An assertion refused for one rule: the fix that rule asks for (RFC 7523 §3).
CLOCK = (
    "The assertion's times follow this machine's clock, and the server's differs: set the "
    "clock right (NTP), then ask again."
)
KEY = (
    "The server holds no such key for this client: register the public key of the "
    "profile's private_key_file for the client (Auth0: Application → Credentials), or point "
    "private_key_file at the key that is registered."
)
ASSERTION_FIX = {
    Refusal.NO_REGISTERED_KEY: KEY,
    Refusal.ASSERTION_KID_UNKNOWN: KEY,
    Refusal.ASSERTION_SIGNATURE: KEY,
    Refusal.ASSERTION_ALG: (
        "The server takes no assertion signed with this algorithm for the client: use a "
        "key of the type registered (RS256: an RSA key; ES256/384/512: an EC key)."
    ),
    Refusal.ASSERTION_AUDIENCE: (
        "The server takes another audience for the assertion: set the profile's "
        'assertion_audience = "issuer" (draft-ietf-oauth-rfc7523bis) or "token_endpoint" '
        "(RFC 7523), the one the description names."
    ),
    Refusal.ASSERTION_EXPIRED: CLOCK,
    Refusal.ASSERTION_IAT_FUTURE: CLOCK,
    Refusal.ASSERTION_NOT_YET_VALID: CLOCK,
    Refusal.ASSERTION_TOO_LONG: CLOCK,
    Refusal.ASSERTION_REPLAYED: (
        "The server saw this assertion's jti before: each assertion is good once. m2m-tui "
        "makes a new one for every request; a replay means the same request was sent twice."
    ),
}
# client_secret_jwt's: the same rules, but the secret stands where the key did.
SECRET_WRONG = (
    "The server refused the client_secret_jwt assertion's signature: the profile's secret "
    "(client_secret_env, client_secret_prompt or client_secret) is not the one it holds "
    "for the client; give the profile the client's current secret (a rotation replaces it)."
)
SECRET_FIX = {
    **ASSERTION_FIX,
    Refusal.NO_REGISTERED_KEY: SECRET_NOT_KEPT,
    Refusal.ASSERTION_KID_UNKNOWN: SECRET_WRONG,
    Refusal.ASSERTION_SIGNATURE: SECRET_WRONG,
    Refusal.ASSERTION_ALG: (
        "The server takes no HMAC-signed assertion for this client: it is registered for "
        "private_key_jwt (the description names the algorithms it takes), or the server "
        "takes no HS256. Set the profile's auth_method to the client's, or register the "
        "client for client_secret_jwt."
    ),
}
NO_CERTIFICATE = (
    "The client is registered for mutual TLS and no certificate came: set the profile's "
    "client_certificate and client_key, and call the issuer over https (plain HTTP "
    "presents none)."
)
METHOD_NOT_SUPPORTED = (
    "The server does not take this authentication method (its metadata's "
    "token_endpoint_auth_methods_supported): set the profile's auth_method to one it lists "
    "and the client is registered for."
)
BASIC_ENCODING = (
    "The secret holds characters that RFC 6749 §2.3.1's form-encoding changes, and this "
    'server may not decode Basic credentials: set auth_method = "client_secret_post".'
)

# A token exchange's refusals (RFC 8693 §2.2.2): the fix each asks for.
EXCHANGE_FIX = {
    # Either grant's (RFC 8707 §2: one target, named by audience or resource).
    Refusal.TARGET_CONFLICT: (
        "audience and resource name different APIs: send one of them (the profile's "
        "audience, or --resource), or both naming the same API."
    ),
    Refusal.EXCHANGE_PARAMETER_MISSING: (
        "Send subject_token and subject_token_type, and actor_token with actor_token_type "
        "or neither (RFC 8693 §2.1)."
    ),
    Refusal.EXCHANGE_TOKEN_TYPE_UNSUPPORTED: (
        "Send JWTs, typed urn:ietf:params:oauth:token-type:access_token or …:jwt, and ask "
        "for one of those."
    ),
    Refusal.EXCHANGE_NOT_ALLOWED: (
        "No token exchange profile lets this client exchange this kind of token: add the "
        "client to a profile's client_ids (Management API PATCH "
        "/api/v2/token-exchange-profiles/{id}; the Grants screen)."
    ),
    Refusal.SUBJECT_TOKEN_INVALID: (
        "The subject token is not one the server can verify (not a JWT, another key, or "
        "revoked): get a new one from its profile, then exchange it."
    ),
    Refusal.SUBJECT_TOKEN_EXPIRED: (
        "The subject token has expired: get a fresh one (`m2m-tui token`), then exchange it."
    ),
    Refusal.SUBJECT_TOKEN_UNTRUSTED: (
        "The subject token's issuer is not trusted: exchange a token of this issuer, or add "
        "its issuer and JWKS to the profile's trusted_issuers."
    ),
    Refusal.ACTOR_TOKEN_INVALID: (
        "The actor token fails the checks a subject token must pass, or is not the acting "
        "client's own: send a current access token of this issuer issued to the acting "
        "client, or none (the acting client is then the actor)."
    ),
    Refusal.MAY_ACT_MISMATCH: (
        "The subject token's may_act names another actor: exchange as that client, or get "
        "a subject token whose may_act names this one (RFC 8693 §4.4)."
    ),
    Refusal.ACT_CHAIN_INVALID: (
        "The subject token's act claim is not a valid chain (RFC 8693 §4.1): its issuer "
        "wrote it wrong, or the chain is too deep."
    ),
    Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED: (
        "No token exchange profile lets this client exchange for this audience: add it to "
        "the profile's audiences, or exchange for one the profile lists."
    ),
    Refusal.EXCHANGE_SCOPE_WIDENED: (
        "An exchange only narrows: ask for fewer scopes (those the subject token carries, "
        "or that the profile's scope_map maps to them)."
    ),
}
EXCHANGE_UNAUTHORIZED = (
    "The server does not let this client exchange this token: its policy (at the bundled "
    "authority, a token exchange profile's client_ids) or the subject token's may_act."
)


def hint_for(
    error: str,
    rule: Refusal | None,
    status: int | None,
    form: dict,
    headers: dict,
    certificate: bool = False,
    action: str | None = None,
    method: AuthMethod | None = None,
) -> str | None:
    """A next step that fits the refusal: its code when the server gave one, else its
    RFC 6749 error and what the request carried (its `form` and `headers`, whether it
    presented a client `certificate`, the auth `method`); for an Action's refusal, the
    `action` named."""
    sent_proof = "DPoP" in headers
    sent_organization = "organization" in form
    if rule is Refusal.DPOP_REQUIRED or (error == "invalid_dpop_proof" and not sent_proof):
        return DPOP_REQUIRED
    if error == "invalid_dpop_proof":
        return "The server refused the DPoP proof: its error_description says which check failed."
    if error == "use_dpop_nonce":
        return "The server demands a DPoP nonce and did not accept the one sent; try again."
    if rule is Refusal.METHOD_NOT_REGISTERED:
        return METHOD_NOT_REGISTERED
    if _signs_with_secret(method, form) and (
        rule in ASSERTION_REFUSALS
        or (error == "invalid_client" and rule in (None, Refusal.BAD_CLIENT_CREDENTIALS))
    ):
        return SECRET_FIX.get(rule, SECRET_ASSERTION) if rule else SECRET_ASSERTION
    if rule in ASSERTION_FIX:
        return ASSERTION_FIX[rule]
    if rule in ASSERTION_REFUSALS:
        return ASSERTION
    if rule is Refusal.NO_CERTIFICATE:
        return NO_CERTIFICATE
    if rule is Refusal.METHOD_NOT_SUPPORTED:
        return METHOD_NOT_SUPPORTED
    if rule is Refusal.BASIC_ENCODING:
        return BASIC_ENCODING
    by_certificate = method.by_certificate if method else certificate
    if error == "invalid_client" and by_certificate and "client_secret" not in form:
        return CERTIFICATE_REFUSED
    if error == "invalid_client" and (
        method is AuthMethod.PRIVATE_KEY_JWT or (method is None and "client_assertion" in form)
    ):
        return ASSERTION
    if error == "invalid_client":
        return "Check the client secret (and the client id) of this profile."
    if rule in EXCHANGE_FIX:
        return EXCHANGE_FIX[rule]
    if form.get("grant_type") == EXCHANGE_GRANT and error == "unauthorized_client":
        return EXCHANGE_UNAUTHORIZED
    if rule in ORGANIZATION_REFUSALS or (
        sent_organization and error in ("access_denied", "invalid_request") and rule is None
    ):
        return ORGANIZATIONS
    if rule is Refusal.UNKNOWN_AUDIENCE:
        return UNKNOWN_AUDIENCE
    if rule is Refusal.NO_CLIENT_GRANT:
        return NO_GRANT
    if rule in NAMED and action:
        return NAMED[rule].format(action, unbind=UNBIND.format(action), fix=FIX)
    if rule is Refusal.ACTION_DENIED:
        return ACTION_DENIED
    if rule in (Refusal.ACTION_FAILED, Refusal.ACTION_TIMED_OUT):
        return ACTION_FAILED
    if rule is Refusal.CLAIMS_TOO_LARGE:
        return CLAIMS_TOO_LARGE
    if rule is Refusal.DIALECT_NEEDS_RBAC:
        return DIALECT_NEEDS_RBAC
    if error == "access_denied":
        return ACCESS_DENIED
    if error == "invalid_scope":
        return "Request only scopes the client's grant holds, or grant them first."
    if error == "unsupported_grant_type" or error == "unauthorized_client":
        return "Enable the Client Credentials grant for this application."
    if rule in QUOTA_REFUSALS or error == "too_many_requests":
        return None  # a token quota: its hint needs the answer's headers (token_quota.py)
    if rule is Refusal.THROTTLED or error == "too_many_attempts" or status == 429:
        return "Too many attempts: wait for the Retry-After time, then fix the credentials."
    if error == "invalid_request":
        return (
            "The request is malformed: check the profile's audience, scope, organization "
            "and auth method."
        )
    return None


def _signs_with_secret(method: AuthMethod | None, form: dict) -> bool:
    """Whether the request's assertion was client_secret_jwt's: the profile's method, or
    where none is known, the assertion's alg (an HMAC is signed with the secret)."""
    if method is not None:
        return method is AuthMethod.CLIENT_SECRET_JWT
    header = read_object(str(form.get("client_assertion", "")).split(".")[0])
    alg = header.get("alg") if isinstance(header, dict) else None
    return "client_assertion" in form and assertion_method(alg) is AuthMethod.CLIENT_SECRET_JWT


def throttled_hint(client_id: str, retry_after: str | None) -> str:
    """RFC 6585 §4: Retry-After says how long; the client id says who (other clients of
    the same server are not affected by this lockout)."""
    who = f"client {client_id}" if client_id else "this client"
    wait = f"for {retry_after} s" if retry_after and retry_after.isdigit() else "for a while"
    return (
        f"The server throttles {who} {wait} after repeated failed attempts: wait, then "
        "check this profile's client secret before trying again."
    )


def opaque_hint(form: dict[str, str]) -> str:
    """Why a token endpoint gave an opaque token, and what to do, from what was asked."""
    if "audience" in form or "resource" in form:
        return (
            "The access token is opaque, not a JWT, though the request named an API: this "
            "provider issues reference tokens for it. An API that validates JWTs cannot read "
            "it; one that introspects (RFC 7662) can. The Inspector shows what introspection says."
        )
    return (
        "The access token is opaque, not a JWT: the request named no API, so the provider "
        "issued a reference token (Auth0: one only for its own userinfo endpoint). Set "
        "`audience` (Auth0) or `resource` (RFC 8707) in the profile. The Inspector shows what "
        "introspection (RFC 7662) says of it."
    )
