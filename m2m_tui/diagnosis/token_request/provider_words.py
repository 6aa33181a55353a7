"""The refusal a provider's documented `error_description` names, where it names one.

Only the bundled authority sends a code (`rule`); for the others, their documented
words are all there is. Auth0 documents the issuance refusals' descriptions (the bundled
authority answers in the same words), and answers a wrong secret with `access_denied`
"Unauthorized" (401). oidc-provider says "client authentication failed" for every
client-authentication failure (the detail stays in its server log): there the answer
does not tell, and the diagnosis says so."""

from __future__ import annotations

import re

from oauth_primitives.token_refusals import Refusal

# (error, a pattern of error_description) → the refusal; the first that matches.
WORDS: tuple[tuple[str | None, re.Pattern, Refusal], ...] = (
    ("access_denied", re.compile(r"^Service not enabled within domain"), Refusal.UNKNOWN_AUDIENCE),
    ("access_denied", re.compile(r"^Client is not authorized to access"), Refusal.NO_CLIENT_GRANT),
    (
        "invalid_scope",
        re.compile(r"^Client has not been granted scopes"),
        Refusal.SCOPE_NOT_GRANTED,
    ),
    ("access_denied", re.compile(r"^Unauthorized$"), Refusal.BAD_CLIENT_CREDENTIALS),
    ("invalid_target", re.compile(r""), Refusal.UNKNOWN_AUDIENCE),  # RFC 8707 §2
    ("invalid_scope", re.compile(r"^requested scope is not allowed"), Refusal.SCOPE_NOT_GRANTED),
    # Auth0's brute-force protection for a client's failed attempts.
    ("too_many_attempts", re.compile(r""), Refusal.THROTTLED),
)


def told_by_words(error: str | None, description: str, exchange: bool = False) -> Refusal | None:
    """`exchange`: the request was a token exchange, where RFC 8693 §2.2.2's
    invalid_target says no token is issued for the target asked."""
    if exchange and error == "invalid_target":
        return Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED
    for wanted, pattern, refusal in WORDS:
        if error == wanted and pattern.search(description or ""):
            return refusal
    return None
