"""OAuth 2.0 Token Exchange (RFC 8693): the names both sides must spell alike, and the
few computations the authority, the APIs and the client must make the same way: the
`act` chain (§4.1), `may_act` (§4.4), and how scopes narrow across an exchange.

The authority issues by these; an API judges a delegated token's chain by them; the
client draws the chain and diagnoses a refusal with them. None may say otherwise."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange"
CLIENT_SUFFIX = "@clients"  # Auth0's client_credentials `sub`: `<client_id>@clients`


class TokenType(StrEnum):
    """RFC 8693 §3's token type identifiers."""

    ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
    REFRESH_TOKEN = "urn:ietf:params:oauth:token-type:refresh_token"
    ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
    SAML1 = "urn:ietf:params:oauth:token-type:saml1"
    SAML2 = "urn:ietf:params:oauth:token-type:saml2"
    JWT = "urn:ietf:params:oauth:token-type:jwt"


# What a subject or actor token may be here: a JWT access token of this issuer, or a JWT
# of an issuer the tenant trusts. What the authority issues: an access token, a JWT.
SUBJECT_TOKEN_TYPES = (TokenType.ACCESS_TOKEN, TokenType.JWT)
ISSUABLE_TOKEN_TYPES = (TokenType.ACCESS_TOKEN, TokenType.JWT)


def client_subject(client_id: str) -> str:
    """The `sub` (and `act.sub`) naming a client: Auth0's `<client_id>@clients`."""
    return client_id + CLIENT_SUFFIX


@dataclass(frozen=True)
class Chain:
    """A token's `act` claim read (RFC 8693 §4.1): `actors`, the current actor first and
    the earliest last; `problem` says why the claim is not a valid chain (then `actors`
    holds what could be read before it)."""

    actors: tuple[str, ...]
    problem: str | None = None

    @property
    def delegated(self) -> bool:
        return bool(self.actors) or self.problem is not None


def read_chain(claims: Mapping) -> Chain:
    """The `act` chain of a token's claims; an empty chain when it has no `act`."""
    act = claims.get("act")
    actors: list[str] = []
    depth = 0
    while act is not None:
        depth += 1
        if not isinstance(act, Mapping):
            return Chain(tuple(actors), "act is not a JSON object")
        sub = act.get("sub")
        if not isinstance(sub, str) or not sub:
            return Chain(tuple(actors), "an act has no sub naming its actor")
        if depth > MAX_CHAIN:
            return Chain(tuple(actors), f"the act chain is deeper than {MAX_CHAIN}")
        actors.append(sub)
        act = act.get("act")
    return Chain(tuple(actors))


# A chain deeper than this is a loop of services, not delegation: refused, not followed.
MAX_CHAIN = 8


def nest_act(actor: str, subject_claims: Mapping) -> dict:
    """The `act` of a token issued to `actor` on behalf of the subject token's holder:
    the subject token's own chain nested under it (§4.1: the outermost act is current;
    prior actors nest within, and are informational only)."""
    act: dict = {"sub": actor}
    prior = subject_claims.get("act")
    if isinstance(prior, Mapping):
        act["act"] = dict(prior)
    return act


def may_act_allows(subject_claims: Mapping, actor: str) -> bool | None:
    """Whether the subject token's `may_act` (§4.4) lets `actor` act for it; None when the
    token names no `may_act` (then the authority's policy alone decides)."""
    may_act = subject_claims.get("may_act")
    if may_act is None:
        return None
    if not isinstance(may_act, Mapping):
        return False
    return may_act.get("sub") == actor


def scope_list(claims: Mapping) -> list[str]:
    scope = claims.get("scope")
    return scope.split() if isinstance(scope, str) else []


@dataclass(frozen=True)
class Narrowed:
    """Scopes across an exchange: `issued` the new token carries; `widened` those asked
    that the subject token does not carry (nor any scope mapped to them); `ungranted`
    those asked that the acting client's grant on the target API lacks."""

    issued: tuple[str, ...]
    widened: tuple[str, ...] = ()
    ungranted: tuple[str, ...] = ()


def narrow(
    requested: Iterable[str] | None,
    subject_scopes: Iterable[str],
    granted: Iterable[str],
    scope_map: Mapping[str, Iterable[str]] | None = None,
) -> Narrowed:
    """Never wider: a target scope is carried only if the acting client's grant holds it
    and the subject token carries it, or carries a scope `scope_map` maps to it (the
    target API's scope, to the subject API's scopes that permit it). None requested:
    every scope that rule lets through."""
    held = set(subject_scopes)
    mapped = scope_map or {}

    def permitted(scope: str) -> bool:
        return scope in held or any(s in held for s in mapped.get(scope, ()))

    granted = list(granted)
    if requested is None:
        return Narrowed(tuple(s for s in granted if permitted(s)))
    asked = list(dict.fromkeys(requested))
    ungranted = tuple(s for s in asked if s not in granted)
    widened = tuple(s for s in asked if s in granted and not permitted(s))
    issued = tuple(s for s in asked if s in granted and permitted(s))
    return Narrowed(issued, widened, ungranted)
