"""What the server answered a call: its status, its challenge (RFC 6750 §3, RFC 9449
§7.1), its clock, and the rule book's code where it names one (the bundled API does)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from m2m_tui.api.redirects import Redirects
from m2m_tui.diagnosis.www_authenticate import parse_challenge
from oauth_primitives.rules import Code

_CODES = frozenset(c.value for c in Code)

# The `error` values of a challenge that are about the token, not the request
# (RFC 6750 §3.1; RFC 9449 §7.1 for DPoP).
TOKEN_ERRORS = frozenset(
    {"invalid_token", "insufficient_scope", "invalid_dpop_proof", "use_dpop_nonce"}
)


@dataclass
class ServerAnswer:
    status: int | None
    www_authenticate: dict[str, str] = field(default_factory=dict)
    date: float | None = None  # the server's clock, from its Date header
    message: str = ""  # what the body said, for a request that failed for another reason
    # The rule book's code for the refusal, where the server names it (the bundled API
    # does, in its body's `rule`); other servers say at most an RFC 6750 error.
    rule: str | None = None
    # Set by the size check: a 431, 413 or 400 to a request whose token crosses a
    # header limit is a refusal of the token, for its size.
    refused_for_size: bool = False
    # The redirects the call was sent through before this answer (a client's rules:
    # m2m_tui.api.redirects), and whether the token reached the server that answered.
    redirects: Redirects | None = None

    @property
    def token_dropped(self) -> bool:
        """A redirect to another origin took the call where clients do not send the
        Authorization header: this answer was given to a request without the token."""
        return self.redirects is not None and self.redirects.dropped

    @classmethod
    def from_headers(
        cls, status: int | None, headers: dict[str, str], body: str | None = None
    ) -> ServerAnswer:
        lower = {k.lower(): v for k, v in headers.items()}
        date = None
        if "date" in lower:
            try:
                date = parsedate_to_datetime(lower["date"]).timestamp()
            except (TypeError, ValueError):
                date = None
        message, rule = _body_message(body)
        return cls(status, parse_challenge(lower.get("www-authenticate")), date, message, rule)

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def refused_token(self) -> bool:
        """401 and 403 are refusals of the token (RFC 6750 §3.1), and so is a token error
        in the challenge whatever the status; a 400 about a parameter, a 404 or a 5xx
        says nothing against the token."""
        if self.status is None:
            return False
        return (
            self.status in (401, 403)
            or self.www_authenticate.get("error") in TOKEN_ERRORS
            or self.refused_for_size
            or self._malformed_credentials
        )

    @property
    def _malformed_credentials(self) -> bool:
        """RFC 6750 §3.1: a malformed Authorization header (`Bearer [object Object]`, a
        space in the token) is a 400, invalid_request, with the scheme's challenge;
        Auth0's Express validator sends the challenge without an error code. A 400 about
        a parameter carries no challenge."""
        scheme = self.www_authenticate.get("scheme", "").lower()
        return self.status == 400 and scheme in ("bearer", "dpop")

    @property
    def request_failed(self) -> bool:
        return self.status is not None and not self.accepted and not self.refused_token

    def failure(self) -> str:
        """The request's own failure, as the server put it: "400: the query parameter …"."""
        return f"{self.status}: {self.message}" if self.message else str(self.status)


def _body_message(body: str | None) -> tuple[str, str | None]:
    """What a JSON error body says, and the rule book's code when it names one."""
    if not body or len(body) > 64 * 1024:
        return "", None
    import json

    try:
        data = json.loads(body)
    except ValueError:
        return "", None
    if not isinstance(data, dict):
        return "", None
    error = data.get("error")
    text = data.get("error_description") or data.get("message")
    parts = [str(v) for v in (error, text) if isinstance(v, str) and v]
    rule = data.get("rule")
    known = rule if rule in _CODES else None
    return ": ".join(parts)[:300], known
