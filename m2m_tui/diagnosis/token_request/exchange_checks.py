"""The checks a client can make of its own token exchange (RFC 8693) before the server's
word: the parameters and token types (§2.1), the subject and actor tokens as decoded
(their issuer, their expiry at the server's clock, `may_act` (§4.4), the `act` chain
(§4.1)), and, where the Management API shows the tenant's token exchange profiles and
the acting client's grant, whether a profile lets this client exchange this token for
this audience, and how the scopes narrow (`narrow()`, as the authority narrows them).

Each failed check carries the refusal code the bundled authority answers with, in the
order its rules run, so that the report can set the first beside the server's `rule`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from m2m_tui.diagnosis.token_request.checks import RequestCheck
from m2m_tui.oauth.sent_request import SentRequest, SentToken
from oauth_primitives.rules.closed_sets import LEEWAY
from oauth_primitives.token_exchange import (
    ISSUABLE_TOKEN_TYPES,
    SUBJECT_TOKEN_TYPES,
    client_subject,
    may_act_allows,
    narrow,
    read_chain,
    scope_list,
)
from oauth_primitives.token_refusals import Refusal


@dataclass(frozen=True)
class ExchangeTenant:
    """What the Management API shows of an exchange: the tenant's token exchange
    profiles, the acting client's grant on the target (None: it has none), and whether
    an API has the target's identifier."""

    profiles: tuple[dict, ...]
    granted: tuple[str, ...] | None
    target_known: bool = True

    def letting(self, client_id: str, token_type: str | None) -> list[dict]:
        """The profiles that let `client_id` exchange tokens of `token_type`."""
        return [
            p
            for p in self.profiles
            if p.get("subject_token_type") == token_type and client_id in _strs(p, "client_ids")
        ]

    def of_type(self, token_type: str | None) -> list[dict]:
        return [p for p in self.profiles if p.get("subject_token_type") == token_type]


def exchange_checks(
    sent: SentRequest,
    metadata: dict,
    server_time: float | None = None,
    tenant: ExchangeTenant | None = None,
) -> list[RequestCheck]:
    """The checks of an exchange's own parameters and tokens, in the authority's order."""
    now = server_time if server_time is not None else sent.sent_at or time.time()
    checks = [_parameters(sent), _types(sent)]
    if tenant is not None:
        checks.append(_allowed(sent, tenant))
    subject = sent.subject
    if subject is not None:
        checks.extend(_subject(subject, sent, metadata, now, tenant))
        if sent.actor is not None:
            checks.append(_actor(sent.actor, metadata, now, tenant, sent))
        if subject.claims is not None:
            checks.append(_chain(subject.claims))
            checks.append(_may_act(subject.claims, sent))
    checks.append(_audience(sent, tenant, metadata.get("issuer")))
    if subject is not None and subject.claims is not None:
        checks.append(_scope(sent, subject.claims, tenant))
    return [c for c in checks if c is not None]


def target_of(sent: SentRequest) -> str:
    return sent.asked.get("audience") or sent.asked.get("resource") or ""


def profile_to_change(sent: SentRequest, tenant: ExchangeTenant, cause: Refusal) -> dict | None:
    """The token exchange profile a fix edits: for an audience not allowed, the profile
    that lets the client exchange this token; for an exchange not allowed, the one for
    this token type (the client then joins its client_ids). None when there is no one
    profile to name."""
    token_type = sent.asked.get("subject_token_type")
    if cause is Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED and tenant.target_known:
        letting = tenant.letting(sent.client_id, token_type)
        return letting[0] if letting else None
    if cause is Refusal.EXCHANGE_NOT_ALLOWED:
        of_type = tenant.of_type(token_type)
        return of_type[0] if of_type else None
    return None


def _strs(profile: Mapping, field: str) -> list[str]:
    value = profile.get(field)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _parameters(sent: SentRequest) -> RequestCheck:
    missing = [
        name
        for name, there in (
            ("subject_token", sent.subject is not None),
            ("subject_token_type", "subject_token_type" in sent.asked),
        )
        if not there
    ]
    actor, actor_type = sent.actor is not None, "actor_token_type" in sent.asked
    if actor != actor_type:
        missing.append("actor_token_type" if actor else "actor_token")
    if missing:
        return RequestCheck(
            "exchange parameters",
            False,
            f"{' and '.join(missing)} not sent (RFC 8693 §2.1: subject_token and its type are "
            "required, actor_token and actor_token_type go together)",
            "send " + " and ".join(missing),
            Refusal.EXCHANGE_PARAMETER_MISSING,
        )
    with_actor = ", and actor_token with its type" if actor else " (no actor_token)"
    return RequestCheck(
        "exchange parameters", True, f"subject_token and subject_token_type sent{with_actor}"
    )


def _types(sent: SentRequest) -> RequestCheck:
    wrong = []
    for name, allowed in (
        ("subject_token_type", SUBJECT_TOKEN_TYPES),
        ("actor_token_type", SUBJECT_TOKEN_TYPES),
        ("requested_token_type", ISSUABLE_TOKEN_TYPES),
    ):
        value = sent.asked.get(name)
        if value is not None and value not in allowed:
            wrong.append(f"{name} {value}")
    kinds = ", ".join(str(t) for t in SUBJECT_TOKEN_TYPES)
    if wrong:
        return RequestCheck(
            "token types",
            False,
            f"{'; '.join(wrong)}: the bundled authority exchanges JWTs only ({kinds})",
            f"send the token types as {kinds}",
            Refusal.EXCHANGE_TOKEN_TYPE_UNSUPPORTED,
        )
    said = sent.asked.get("subject_token_type", "none")
    return RequestCheck("token types", True, f"subject_token_type {said}")


def _allowed(sent: SentRequest, tenant: ExchangeTenant) -> RequestCheck:
    token_type = sent.asked.get("subject_token_type")
    letting = tenant.letting(sent.client_id, token_type)
    if letting:
        names = ", ".join(str(p.get("name") or p.get("id")) for p in letting)
        return RequestCheck(
            "exchange profile",
            True,
            f"token exchange profile {names} lets {sent.client_id} exchange {token_type}",
        )
    of_type = tenant.of_type(token_type)
    if of_type:
        profile = of_type[0]
        fix = (
            f"add {sent.client_id} to token exchange profile {profile.get('name')}'s client_ids "
            f"(Management API PATCH /api/v2/token-exchange-profiles/{profile.get('id')})"
        )
    else:
        fix = (
            f"create a token exchange profile for {token_type} whose client_ids lists "
            f"{sent.client_id} (Management API POST /api/v2/token-exchange-profiles)"
        )
    return RequestCheck(
        "exchange profile",
        False,
        f"no token exchange profile lets {sent.client_id} exchange {token_type}",
        fix,
        Refusal.EXCHANGE_NOT_ALLOWED,
    )


def _trusted(metadata: dict, tenant: ExchangeTenant | None, sent: SentRequest) -> list[str]:
    issuers = [metadata["issuer"]] if isinstance(metadata.get("issuer"), str) else []
    if tenant is not None:
        for profile in tenant.letting(sent.client_id, sent.asked.get("subject_token_type")):
            for trusted in profile.get("trusted_issuers") or []:
                if isinstance(trusted, Mapping) and isinstance(trusted.get("issuer"), str):
                    issuers.append(trusted["issuer"])
    return issuers


def _subject(
    token: SentToken,
    sent: SentRequest,
    metadata: dict,
    now: float,
    tenant: ExchangeTenant | None,
) -> list[RequestCheck]:
    if token.claims is None:
        return [
            RequestCheck(
                "subject token",
                False,
                f"the subject_token could not be read: {token.problem}",
                "send the access token itself, as the token endpoint answered it",
                Refusal.SUBJECT_TOKEN_INVALID,
            )
        ]
    checks = [_issuer("subject token", token.claims, _trusted(metadata, tenant, sent))]
    checks.append(_expiry("subject token", token.claims, now))
    return checks


def _issuer(name: str, claims: dict, trusted: list[str]) -> RequestCheck:
    iss = claims.get("iss")
    if not trusted:
        return RequestCheck(
            f"{name} iss", None, f"iss {iss!r}; the server's metadata names no issuer"
        )
    if iss in trusted:
        return RequestCheck(f"{name} iss", True, f"iss {iss}, an issuer the server trusts")
    return RequestCheck(
        f"{name} iss",
        False,
        f"iss {iss!r} is neither the server's issuer nor one its token exchange profiles "
        f"trust ({', '.join(trusted)})",
        "exchange a token of this issuer, or add its issuer and JWKS to the profile's "
        "trusted_issuers",
        Refusal.SUBJECT_TOKEN_UNTRUSTED,
    )


def _expiry(name: str, claims: dict, now: float) -> RequestCheck:
    exp = claims.get("exp")
    if not isinstance(exp, int | float):
        return RequestCheck(f"{name} exp", None, "no exp: the server may refuse it")
    left = exp - now
    if left + LEEWAY >= 0:
        return RequestCheck(f"{name} exp", True, f"expires {left:.0f} s after the server's now")
    return RequestCheck(
        f"{name} exp",
        False,
        f"expired {-left:.0f} s before the server's now (its Date header), beyond the "
        f"{LEEWAY:.0f} s leeway",
        "get a fresh subject token (`m2m-tui token` with its profile), then exchange it",
        Refusal.SUBJECT_TOKEN_EXPIRED,
    )


def _actor(
    token: SentToken,
    metadata: dict,
    now: float,
    tenant: ExchangeTenant | None,
    sent: SentRequest,
) -> RequestCheck:
    """The actor token fails the subject token's checks under one code."""
    if token.claims is None:
        found = [RequestCheck("actor token", False, f"not readable: {token.problem}")]
    else:
        found = [
            _issuer("actor token", token.claims, _trusted(metadata, tenant, sent)),
            _expiry("actor token", token.claims, now),
        ]
    failed = next((c for c in found if c.ok is False), None)
    if failed is None:
        sub = (token.claims or {}).get("sub")
        return RequestCheck("actor token", True, f"sub {sub!r}: it acts for the subject")
    return RequestCheck(
        "actor token",
        False,
        f"the actor_token {failed.detail}",
        "send a current access token of this issuer as the actor_token, or none (the acting "
        "client is then the actor)",
        Refusal.ACTOR_TOKEN_INVALID,
    )


def actor_of(sent: SentRequest) -> str:
    """Who acts: the actor token's sub, else the acting client (as the authority reads it)."""
    sub = ((sent.actor.claims if sent.actor else None) or {}).get("sub")
    return sub if isinstance(sub, str) and sub else client_subject(sent.client_id)


def _may_act(claims: dict, sent: SentRequest) -> RequestCheck:
    actor = actor_of(sent)
    allows = may_act_allows(claims, actor)
    if allows is None:
        return RequestCheck(
            "may_act", True, "the subject token names no may_act: the profiles alone decide"
        )
    if allows:
        return RequestCheck("may_act", True, f"the subject token's may_act names {actor}")
    named = claims.get("may_act")
    named = named.get("sub") if isinstance(named, Mapping) else named
    return RequestCheck(
        "may_act",
        False,
        f"the subject token's may_act names {named!r}, not the actor {actor} (RFC 8693 §4.4)",
        f"exchange as {named} (its profile with --as), or get a subject token whose may_act "
        f"names {actor}",
        Refusal.MAY_ACT_MISMATCH,
    )


def _chain(claims: dict) -> RequestCheck:
    chain = read_chain(claims)
    if chain.problem is not None:
        return RequestCheck(
            "act chain",
            False,
            f"the subject token's act is not a valid chain: {chain.problem} (RFC 8693 §4.1)",
            "exchange a token whose act nests objects each naming its actor's sub; its "
            "issuer wrote it",
            Refusal.ACT_CHAIN_INVALID,
        )
    if not chain.actors:
        return RequestCheck("act chain", True, "no act: the subject token is its holder's own")
    return RequestCheck(
        "act chain",
        True,
        f"already delegated: {' ← '.join(chain.actors)}; the new token nests it under its actor",
    )


def _trusts(profile: Mapping, iss: object, issuer: object) -> bool:
    """Whether the profile takes tokens of `iss`: the server's own `issuer`'s, or one of
    its trusted_issuers'."""
    if iss == issuer:
        return True
    trusted = profile.get("trusted_issuers") or []
    return any(isinstance(t, Mapping) and t.get("issuer") == iss for t in trusted)


def _audience(sent: SentRequest, tenant: ExchangeTenant | None, issuer: object) -> RequestCheck:
    target = target_of(sent)
    if not target:
        return RequestCheck(
            "exchange audience", None, "no audience or resource: the server picks the target"
        )
    if tenant is None:
        return RequestCheck(
            "exchange audience",
            None,
            f"for {target}; only the tenant's token exchange profiles say which audiences "
            "an exchange may reach",
        )
    letting = tenant.letting(sent.client_id, sent.asked.get("subject_token_type"))
    if sent.subject is not None and sent.subject.claims is not None and issuer:
        # The profiles that take this subject token's issuer, as the authority picks them.
        iss = sent.subject.claims.get("iss")
        letting = [p for p in letting if _trusts(p, iss, issuer)]
    reach = sorted({a for p in letting for a in _strs(p, "audiences")})
    if tenant.target_known and target in reach:
        return RequestCheck("exchange audience", True, f"{target} is a profile's audience")
    if not tenant.target_known:
        detail, fix = f"no API has the identifier {target}", "exchange for an API's identifier"
    else:
        detail = (
            f"{target} is not among the audiences the profiles allow ({', '.join(reach) or 'none'})"
        )
        profile = profile_to_change(sent, tenant, Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED)
        fix = (
            f"add {target} to token exchange profile {profile.get('name')}'s audiences"
            if profile
            else f"exchange for one of {', '.join(reach)}"
        )
    return RequestCheck(
        "exchange audience", False, detail, fix, Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED
    )


def _scope(sent: SentRequest, claims: dict, tenant: ExchangeTenant | None) -> RequestCheck:
    asked = sent.asked.get("scope")
    requested = asked.split() if asked is not None else None
    carried = scope_list(claims)
    target = target_of(sent)
    if tenant is None:
        if requested is None:
            return RequestCheck("exchange scope", None, "no scope asked: the server narrows")
        lacking = [s for s in requested if s not in carried]
        if not lacking:
            return RequestCheck("exchange scope", True, f"the subject token carries {asked}")
        return RequestCheck(
            "exchange scope",
            None,
            f"the subject token lacks {' '.join(lacking)}: refused as widening unless a "
            "profile's scope_map maps a scope it carries to it",
        )
    if tenant.granted is None:
        return RequestCheck(
            "exchange scope",
            False,
            f"{sent.client_id} has no grant on {target}: it cannot hold a token for it",
            f"authorize {sent.client_id} for {target}",
            Refusal.NO_CLIENT_GRANT,
        )
    letting = tenant.letting(sent.client_id, sent.asked.get("subject_token_type"))
    profile = next((p for p in letting if target in _strs(p, "audiences")), None)
    scope_map = (profile or {}).get("scope_map") or {}
    narrowed = narrow(requested, carried, tenant.granted, scope_map)
    mapped = "; scope_map " + ", ".join(
        f"{k} ← {' '.join(v)}" for k, v in scope_map.items() if isinstance(v, list)
    )
    seen = f"the subject token carries {' '.join(carried) or 'no scope'}"
    seen += mapped if scope_map else ""
    if narrowed.ungranted:
        return RequestCheck(
            "exchange scope",
            False,
            f"{sent.client_id}'s grant on {target} lacks {' '.join(narrowed.ungranted)}",
            f"grant {' '.join(narrowed.ungranted)} to {sent.client_id} on {target}",
            Refusal.SCOPE_NOT_GRANTED,
        )
    if narrowed.widened:
        return RequestCheck(
            "exchange scope",
            False,
            f"{seen}: {' '.join(narrowed.widened)} would widen it (an exchange only narrows)",
            f"ask for fewer scopes ({' '.join(narrowed.issued) or 'none this token permits'}), "
            f"or exchange a subject token that carries what "
            f"{' '.join(narrowed.widened)} needs",
            Refusal.EXCHANGE_SCOPE_WIDENED,
        )
    issued = " ".join(narrowed.issued) or "no scope"
    return RequestCheck("exchange scope", True, f"{seen}: the new token would carry {issued}")
