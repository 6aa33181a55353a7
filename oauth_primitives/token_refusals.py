"""Why the bundled authority refused a token request, as a code beside its RFC 6749
`error`: `access_denied` alone covers an unknown API, a client with no grant and an
organization the grant does not allow. The authority sends the code as `rule` (as the
API does for its refusals); the client picks its hint from the code, never from the
`error_description`'s words. Other providers send no code: the client's hint then
rests on the error and on what the request carried (see `m2m_tui.oauth.token_hints`)."""

from __future__ import annotations

from enum import StrEnum


class Refusal(StrEnum):
    UNKNOWN_AUDIENCE = "unknown_audience"  # no API has this identifier
    NO_CLIENT_GRANT = "no_client_grant"  # the client is not authorized for the API
    SCOPE_NOT_GRANTED = "scope_not_granted"  # a requested scope beyond the grant
    DPOP_REQUIRED = "dpop_required"  # the API's tokens must be bound, and no proof came
    CERTIFICATE_REQUIRED = "certificate_required"  # mTLS-bound, and no certificate came
    ORGANIZATION_REQUIRED = "organization_required"  # organization_usage require, none named
    ORGANIZATION_DENIED = "organization_denied"  # organization_usage deny, one named
    UNKNOWN_ORGANIZATION = "unknown_organization"
    ORGANIZATION_NOT_ALLOWED = "organization_not_allowed"  # not associated with the grant
    DIALECT_NEEDS_RBAC = "dialect_needs_rbac"  # a *_authz dialect on an API with RBAC off
    ACTION_DENIED = "action_denied"  # a credentials-exchange Action called api.access.deny
    ACTION_FAILED = "action_failed"  # an Action threw, or the Actions could not run
    ACTION_TIMED_OUT = "action_timed_out"  # the flow outlived its time limit
    CLAIMS_TOO_LARGE = "claims_too_large"  # the Actions' custom claims over Auth0's limit
    # Auth0's fine-grained M2M token quotas: 429 too_many_requests, the quota header says
    # which bucket (oauth_primitives.token_quota). Not the throttle's too_many_attempts.
    CLIENT_QUOTA_EXCEEDED = "client_quota_exceeded"  # the client's enforced quota is used up
    ORGANIZATION_QUOTA_EXCEEDED = "organization_quota_exceeded"  # the organization's is
    # Client authentication (RFC 6749 §2.3, RFC 7523 §3, RFC 8705 §2): all invalid_client.
    BAD_CLIENT_CREDENTIALS = "bad_client_credentials"  # unknown client, or a wrong secret
    METHOD_NOT_REGISTERED = "method_not_registered"  # another method than the client's
    # private_key_jwt and no public key on file; client_secret_jwt and only a hash kept
    NO_REGISTERED_KEY = "no_registered_key"
    ASSERTION_MALFORMED = "assertion_malformed"  # not a JWT, or no iss naming the client
    ASSERTION_ALG = "assertion_alg"  # an algorithm no registered key takes
    ASSERTION_KID_UNKNOWN = "assertion_kid_unknown"  # a kid naming no registered key
    ASSERTION_SIGNATURE = "assertion_signature"  # signed by no key registered for the client
    ASSERTION_CLAIM_MISSING = "assertion_claim_missing"  # iss, sub, aud, exp or jti
    ASSERTION_ISSUER = "assertion_issuer"  # iss is not the client id
    ASSERTION_SUBJECT = "assertion_subject"  # sub is not the client id
    ASSERTION_AUDIENCE = "assertion_audience"  # aud names neither issuer nor token endpoint
    ASSERTION_EXPIRED = "assertion_expired"
    ASSERTION_TOO_LONG = "assertion_too_long"  # exp beyond the lifetime an assertion may have
    ASSERTION_IAT_FUTURE = "assertion_iat_future"  # issued in the future
    ASSERTION_NOT_YET_VALID = "assertion_not_yet_valid"  # nbf ahead
    ASSERTION_JTI = "assertion_jti"  # jti not a non-empty string
    ASSERTION_REPLAYED = "assertion_replayed"  # this jti was used before (RFC 7523 §3 7.)
    CERTIFICATE_NOT_REGISTERED = "certificate_not_registered"  # self-signed: not the one
    CERTIFICATE_NOT_CA_ISSUED = "certificate_not_ca_issued"  # tls_client_auth: no trusted CA
    CERTIFICATE_SUBJECT = "certificate_subject"  # tls_client_auth: another subject DN or SAN
    NO_CERTIFICATE = "no_certificate"  # registered for mutual TLS, and no certificate came
    # The brute-force throttle (429 too_many_attempts): too many failed authentications.
    THROTTLED = "throttled"
    # Token exchange (RFC 8693 §2.2.2): the request, the subject and actor tokens, and
    # the tenant's token exchange profiles (rules/exchange.py).
    EXCHANGE_PARAMETER_MISSING = "exchange_parameter_missing"  # subject_token, a type
    EXCHANGE_TOKEN_TYPE_UNSUPPORTED = "exchange_token_type_unsupported"  # no such type here
    EXCHANGE_NOT_ALLOWED = "exchange_not_allowed"  # no profile lets this client exchange it
    SUBJECT_TOKEN_INVALID = "subject_token_invalid"  # not a JWT, bad signature, revoked
    SUBJECT_TOKEN_EXPIRED = "subject_token_expired"
    SUBJECT_TOKEN_UNTRUSTED = "subject_token_untrusted"  # an issuer no profile trusts
    ACTOR_TOKEN_INVALID = "actor_token_invalid"  # the actor token fails the same checks
    MAY_ACT_MISMATCH = "may_act_mismatch"  # the subject token's may_act names another actor
    ACT_CHAIN_INVALID = "act_chain_invalid"  # its act is malformed or too deep
    EXCHANGE_AUDIENCE_NOT_ALLOWED = "exchange_audience_not_allowed"  # not a profile's target
    EXCHANGE_SCOPE_WIDENED = "exchange_scope_widened"  # a scope the subject token lacks
    # `audience` and `resource` (RFC 8707) both sent, naming different APIs: either grant.
    TARGET_CONFLICT = "target_conflict"
    # What only the token-request diagnosis names, from the request and the server's
    # metadata (no server sends these codes): a method the server does not list, and a
    # Basic secret that form-encoding changed, for a server that does not decode it.
    METHOD_NOT_SUPPORTED = "method_not_supported"
    BASIC_ENCODING = "basic_encoding"


ORGANIZATION_REFUSALS = frozenset(
    {
        Refusal.ORGANIZATION_REQUIRED,
        Refusal.ORGANIZATION_DENIED,
        Refusal.UNKNOWN_ORGANIZATION,
        Refusal.ORGANIZATION_NOT_ALLOWED,
    }
)

# An assertion refused (RFC 7523 §3: private_key_jwt, client_secret_jwt), or no key (or
# secret) to check it with.
ASSERTION_REFUSALS = frozenset(
    {
        Refusal.NO_REGISTERED_KEY,
        Refusal.ASSERTION_MALFORMED,
        Refusal.ASSERTION_ALG,
        Refusal.ASSERTION_KID_UNKNOWN,
        Refusal.ASSERTION_SIGNATURE,
        Refusal.ASSERTION_CLAIM_MISSING,
        Refusal.ASSERTION_ISSUER,
        Refusal.ASSERTION_SUBJECT,
        Refusal.ASSERTION_AUDIENCE,
        Refusal.ASSERTION_EXPIRED,
        Refusal.ASSERTION_TOO_LONG,
        Refusal.ASSERTION_IAT_FUTURE,
        Refusal.ASSERTION_NOT_YET_VALID,
        Refusal.ASSERTION_JTI,
        Refusal.ASSERTION_REPLAYED,
    }
)


# A token quota used up: the client's, or the organization's the request named.
QUOTA_REFUSALS = frozenset({Refusal.CLIENT_QUOTA_EXCEEDED, Refusal.ORGANIZATION_QUOTA_EXCEEDED})


# A bound Action's refusal: the bundled authority names the Action (`action`), so that a
# client can say which one to fix or unbind without reading the description's words.
ACTION_REFUSALS = frozenset(
    {Refusal.ACTION_DENIED, Refusal.ACTION_FAILED, Refusal.ACTION_TIMED_OUT}
)


# A token exchange refused for what it asked or what its tokens are (RFC 8693 §2.2.2).
EXCHANGE_REFUSALS = frozenset(
    {
        Refusal.EXCHANGE_PARAMETER_MISSING,
        Refusal.EXCHANGE_TOKEN_TYPE_UNSUPPORTED,
        Refusal.EXCHANGE_NOT_ALLOWED,
        Refusal.SUBJECT_TOKEN_INVALID,
        Refusal.SUBJECT_TOKEN_EXPIRED,
        Refusal.SUBJECT_TOKEN_UNTRUSTED,
        Refusal.ACTOR_TOKEN_INVALID,
        Refusal.MAY_ACT_MISMATCH,
        Refusal.ACT_CHAIN_INVALID,
        Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED,
        Refusal.EXCHANGE_SCOPE_WIDENED,
    }
)


def action_of(body: dict) -> str | None:
    """The Action an error body names (the bundled authority's `action`), else None."""
    named = body.get("action")
    return named if isinstance(named, str) and named else None


def refusal_of(body: dict) -> Refusal | None:
    """The refusal code in a token endpoint's error body, None when it names none (any
    provider but the bundled one) or one this client does not know."""
    try:
        return Refusal(body.get("rule"))
    except ValueError:
        return None
