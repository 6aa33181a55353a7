"""What a token endpoint answered a refused request, read once: RFC 6749 §5.2's `error`
and `error_description`, Auth0's other error shape, the bundled authority's `rule` code
and the Action it names, and the headers that say more (Retry-After, a DPoP nonce, the
server's clock)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from m2m_tui.oauth.token_request import TokenOutcome
from oauth_primitives.token_refusals import Refusal, action_of, refusal_of

# Headers worth showing beside a refusal; the rest is in the exchange.
TOLD_HEADERS = (
    "retry-after",
    "www-authenticate",
    "dpop-nonce",
    "date",
    "auth0-client-quota-limit",  # Auth0's token quotas: which bucket is used up, and when
    "auth0-organization-quota-limit",  # it resets (oauth_primitives.token_quota)
)


@dataclass(frozen=True)
class TokenAnswer:
    status: int | None  # None: no answer at all (network, TLS, a timeout)
    error: str | None
    description: str = ""
    rule: Refusal | None = None  # the bundled authority's code
    action: str | None = None  # the Action the bundled authority names
    # "rfc6749": error and error_description; "message": {statusCode, error, message}
    # (Auth0's Management API shape, and some gateways'); "other": neither.
    shape: str = "other"
    headers: dict[str, str] = field(default_factory=dict)
    server_time: float | None = None  # the Date header, the server's clock

    @property
    def client_authentication(self) -> bool:
        """A refusal of the client's authentication (RFC 6749 §5.2)."""
        return self.error == "invalid_client" or (
            self.status == 401 and self.error in ("access_denied", "unauthorized")
        )

    @classmethod
    def of(cls, outcome: TokenOutcome) -> TokenAnswer:
        exchange = outcome.exchange
        if exchange is None or exchange.status is None:
            return cls(None, outcome.error, outcome.description or "")
        body = outcome.response if isinstance(outcome.response, dict) else exchange.json()
        body = body if isinstance(body, dict) else {}
        headers = {k.lower(): v for k, v in exchange.response_headers.items()}
        shape = "other"
        if "error" in body and ("error_description" in body or "message" not in body):
            shape = "rfc6749"
        elif "message" in body:
            shape = "message"
        said = body.get("error_description") or body.get("message") or ""
        error = body.get("error")
        return cls(
            status=exchange.status,
            error=str(error) if error else outcome.error,
            description=str(said),
            rule=refusal_of(body),
            action=action_of(body),
            shape=shape,
            headers={k: headers[k] for k in TOLD_HEADERS if k in headers},
            server_time=_date(headers.get("date")),
        )

    def to_json(self) -> dict:
        return {
            "status": self.status,
            "error": self.error,
            "error_description": self.description,
            "rule": self.rule.value if self.rule else None,
            "action": self.action,
            "shape": self.shape,
            "headers": self.headers,
        }


def _date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
