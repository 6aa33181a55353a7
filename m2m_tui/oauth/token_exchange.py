"""OAuth 2.0 Token Exchange (RFC 8693 §2.1): a token held exchanged for another, for
another API, by an acting client authenticated as for any token request.

The request is a `TokenRequest` (token_request.py) with the exchange's form: the acting
profile's client authentication (a secret, an assertion, a certificate), its DPoP proof,
its endpoint. Its answer is the same `TokenOutcome`, with `.sent`, so a refused exchange
is diagnosed as a refused token request is (session/request_diagnosis.py). The subject
and actor tokens are credentials: the transcript masks them (transcript.SENSITIVE_FIELDS)."""

from __future__ import annotations

from dataclasses import dataclass

from m2m_tui.config.profile import Profile
from m2m_tui.oauth.dpop import DpopKey, NonceBook
from m2m_tui.oauth.token_request import (
    TIMEOUT,
    TokenOutcome,
    TokenRequest,
    client_authentication,
    request_token,
)
from oauth_primitives.rules.closed_sets import AuthMethod
from oauth_primitives.token_exchange import (
    GRANT_TYPE,
    ISSUABLE_TOKEN_TYPES,
    SUBJECT_TOKEN_TYPES,
    TokenType,
)

# Short names a person types (`--requested-token-type jwt`) for RFC 8693 §3's URIs.
SHORT_TYPES = {
    "access_token": TokenType.ACCESS_TOKEN,
    "jwt": TokenType.JWT,
    "id_token": TokenType.ID_TOKEN,
    "refresh_token": TokenType.REFRESH_TOKEN,
}


def token_type(value: str) -> str:
    """A token type URI from its short name (`jwt`) or the URI itself; any other URI is
    sent as given: the server is the judge of what it takes."""
    return SHORT_TYPES.get(value, value)


def short_type(uri: str | None) -> str:
    """`urn:ietf:params:oauth:token-type:access_token` → `access_token`, for display."""
    if not uri:
        return "-"
    prefix = "urn:ietf:params:oauth:token-type:"
    return uri[len(prefix) :] if uri.startswith(prefix) else uri


@dataclass(frozen=True)
class ExchangeAsk:
    """What an exchange asks for, besides who acts (RFC 8693 §2.1)."""

    subject_token: str
    subject_token_type: str = TokenType.ACCESS_TOKEN
    audience: str | None = None
    resource: str | None = None
    scope: str | None = None
    actor_token: str | None = None
    actor_token_type: str | None = None
    requested_token_type: str | None = None

    def __repr__(self) -> str:  # never the tokens themselves, in a log or a traceback
        return (
            f"ExchangeAsk(subject_token_type={self.subject_token_type!r}, "
            f"audience={self.audience!r}, scope={self.scope!r}, "
            f"actor_token={'…' if self.actor_token else None})"
        )

    def form(self) -> dict[str, str]:
        form = {
            "grant_type": GRANT_TYPE,
            "subject_token": self.subject_token,
            "subject_token_type": self.subject_token_type,
        }
        if self.actor_token:  # §2.1: actor_token_type is required when actor_token is sent
            form["actor_token"] = self.actor_token
            form["actor_token_type"] = self.actor_token_type or TokenType.ACCESS_TOKEN
        for name in ("audience", "resource", "scope", "requested_token_type"):
            value = getattr(self, name)
            if value:
                form[name] = value
        return form


def exchange_request(
    acting: Profile, secret: str | None, endpoint: str, ask: ExchangeAsk
) -> TokenRequest:
    """The RFC 8693 request at `endpoint`, authenticated as `acting`'s client. The target
    is what `ask` names, else the acting profile's own audience (or resource)."""
    if not (ask.audience or ask.resource):
        ask = _aimed(ask, acting)
    auth_form, auth_headers = client_authentication(acting, secret, endpoint)
    return TokenRequest(
        url=endpoint,
        form={**ask.form(), **auth_form},
        headers={"Accept": "application/json", **auth_headers},
        client_id=acting.client_id,
        presents_certificate=bool(acting.client_certificate),
        auth_method=AuthMethod(acting.auth_method),
    )


def _aimed(ask: ExchangeAsk, acting: Profile) -> ExchangeAsk:
    from dataclasses import replace

    return replace(
        ask, audience=acting.audience, resource=None if acting.audience else acting.resource
    )


async def exchange_token(
    request: TokenRequest,
    client=None,
    timeout: float = TIMEOUT,
    dpop: DpopKey | None = None,
    nonces: NonceBook | None = None,
) -> TokenOutcome:
    """Sends the exchange; never raises for network or server trouble (request_token)."""
    return await request_token(request, client, timeout, dpop, nonces)


def is_exchange(outcome: TokenOutcome) -> bool:
    """Whether `outcome` answers a token exchange (its request's grant_type)."""
    return outcome.sent is not None and outcome.sent.asked.get("grant_type") == GRANT_TYPE


__all__ = [
    "ISSUABLE_TOKEN_TYPES",
    "SUBJECT_TOKEN_TYPES",
    "ExchangeAsk",
    "exchange_request",
    "exchange_token",
    "is_exchange",
    "short_type",
    "token_type",
]
