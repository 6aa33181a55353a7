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
    ACTION_DENIED = "action_denied"  # a credentials-exchange Action called api.access.deny
    ACTION_FAILED = "action_failed"  # an Action threw, timed out, or could not run


ORGANIZATION_REFUSALS = frozenset(
    {
        Refusal.ORGANIZATION_REQUIRED,
        Refusal.ORGANIZATION_DENIED,
        Refusal.UNKNOWN_ORGANIZATION,
        Refusal.ORGANIZATION_NOT_ALLOWED,
    }
)


def refusal_of(body: dict) -> Refusal | None:
    """The refusal code in a token endpoint's error body, None when it names none (any
    provider but the bundled one) or one this client does not know."""
    try:
        return Refusal(body.get("rule"))
    except ValueError:
        return None
