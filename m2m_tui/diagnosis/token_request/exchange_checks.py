"""The lines a client can show of its own token exchange (RFC 8693) before the server's
word, one per row of the authority's own table (`oauth_primitives.rules.exchange`'s
`EXCHANGE`), run on the facts the client knows (`exchange_facts.foresee`): the parameters
and token types (§2.1), the subject and actor tokens as the authority reads them (their
issuer, their expiry at the server's clock, `may_act` (§4.4), the `act` chain (§4.1)),
and, where the Management API shows the tenant's token exchange profiles and the acting
client's grant, whether a profile lets this client exchange this token for this
audience, and how the scopes narrow.

A line fails exactly where its row refuses, and carries the row's code; the prediction
set beside the server's `rule` is the table's own first refusal. A row that reads what
the client cannot know (the profiles, without the Management API; a signature; a
revocation) predicts nothing, and its line says only the server knows."""

from __future__ import annotations

import time
from collections.abc import Mapping

from m2m_tui.diagnosis.token_request.checks import RequestCheck
from m2m_tui.diagnosis.token_request.exchange_facts import (
    ExchangeTenant,
    Foreseen,
    by_action,
    foresee,
    kind_words,
    strs,
    target_of,
    trusts,
)
from m2m_tui.diagnosis.token_request.exchange_target_checks import (
    ONLY_THE_SERVER,
    binding_checks,
    scope_check,
)
from m2m_tui.oauth.sent_request import SentRequest
from oauth_primitives.rules.exchange import (
    act_chain_invalid,
    actor_invalid,
    audience_not_allowed,
    may_act_mismatch,
    not_allowed,
    parameter_missing,
    subject_expired,
    subject_invalid,
    subject_not_exchangeable,
    subject_untrusted,
    token_type_unsupported,
)
from oauth_primitives.rules.findings import Code, Finding
from oauth_primitives.rules.refused import Refused
from oauth_primitives.token_exchange import SUBJECT_TOKEN_TYPES, read_chain
from oauth_primitives.token_refusals import Refusal

__all__ = [
    "ExchangeTenant",
    "exchange_checks",
    "exchange_foresight",
    "profile_to_change",
    "target_of",
]


def exchange_checks(
    sent: SentRequest,
    metadata: dict,
    server_time: float | None = None,
    tenant: ExchangeTenant | None = None,
    bundled: bool = False,
) -> list[RequestCheck]:
    """The checks of an exchange's own parameters and tokens, in the authority's order."""
    return exchange_foresight(sent, metadata, server_time, tenant, bundled)[0]


def exchange_foresight(
    sent: SentRequest,
    metadata: dict,
    server_time: float | None = None,
    tenant: ExchangeTenant | None = None,
    bundled: bool = False,
) -> tuple[list[RequestCheck], Refused | None]:
    """Each row's line, and the authority's table's first refusal on what the client
    knows (the prediction): a line fails exactly where its row refuses. `bundled`: the
    server is known to be the bundled authority (see `foresee`)."""
    now = server_time if server_time is not None else sent.sent_at or time.time()
    seen = foresee(sent, metadata, now, tenant, bundled)
    checks = [_parameters(sent, seen), _types(sent, seen)]
    if tenant is None:
        checks.append(_policy_unknown(sent))
    elif not seen.judges(not_allowed):
        checks.append(_policy_of_actions(sent, tenant))
    else:
        checks.append(_allowed(sent, tenant, seen))
    if seen.subject is not None and not seen.judges(subject_invalid):
        checks.append(
            RequestCheck(
                "subject token",
                None,
                "a token of a custom type, or for a profile whose Action reads it: whether "
                f"it is valid, {ONLY_THE_SERVER}",
            )
        )
    elif seen.subject is not None:
        checks.extend(_subject(seen, now))
        if seen.actor_read is not None:
            checks.append(_actor(seen))
        if seen.subject.claims and seen.judges(act_chain_invalid):
            checks.append(_chain(seen))
            checks.append(_may_act(seen))
    checks.append(_audience(sent, tenant, seen))
    if seen.subject is not None and seen.subject.claims:
        checks.append(scope_check(sent, tenant, seen))
    checks.extend(binding_checks(seen))
    return [c for c in checks if c is not None], seen.predicted


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
        # An Action's profile (Auth0's) has no client_ids to join: its Action decides.
        of_type = [p for p in tenant.of_type(token_type) if not by_action(p)]
        return of_type[0] if of_type else None
    return None


def _parameters(sent: SentRequest, seen: Foreseen) -> RequestCheck:
    refused = seen.verdict(parameter_missing)
    if refused is not None:
        missing = refused.values["parameter"]
        return RequestCheck(
            "exchange parameters",
            False,
            f"{missing} not sent (RFC 8693 §2.1: subject_token and its type are required, "
            "actor_token and actor_token_type go together)",
            f"send {missing}",
            refused.code,
        )
    with_actor = ", and actor_token with its type" if seen.facts.actor_token else ""
    return RequestCheck(
        "exchange parameters",
        True,
        f"subject_token and subject_token_type sent{with_actor or ' (no actor_token)'}",
    )


def _types(sent: SentRequest, seen: Foreseen) -> RequestCheck:
    refused = seen.verdict(token_type_unsupported)
    kinds = ", ".join(str(t) for t in SUBJECT_TOKEN_TYPES)
    if refused is not None:
        v = refused.values
        return RequestCheck(
            "token types",
            False,
            f"{v['parameter']} {v['type']}: the bundled authority exchanges JWTs only ({kinds})",
            f"send the token types as {kinds}",
            refused.code,
        )
    said = sent.asked.get("subject_token_type", "none")
    if not seen.judges(token_type_unsupported):
        return RequestCheck(
            "token types",
            None,
            f"subject_token_type {said}, a custom type: whether the server takes it is its "
            "own (Auth0's Custom Token Exchange matches a profile by it); "
            f"{ONLY_THE_SERVER}",
        )
    return RequestCheck("token types", True, f"subject_token_type {said}")


def _policy_of_actions(sent: SentRequest, tenant: ExchangeTenant) -> RequestCheck:
    """Profiles in Auth0's shape: their Action decides who may exchange, for what."""
    token_type = sent.asked.get("subject_token_type")
    names = ", ".join(str(p.get("name") or p.get("id")) for p in tenant.by_action(token_type))
    return RequestCheck(
        "exchange policy",
        None,
        f"token exchange profile {names} leaves the policy to its Action (it lists no "
        f"client_ids, audiences nor scope_map): whether {sent.client_id} may exchange this "
        f"token, for which audience and with which scopes, {ONLY_THE_SERVER}",
    )


def _policy_unknown(sent: SentRequest) -> RequestCheck:
    return RequestCheck(
        "exchange policy",
        None,
        f"{ONLY_THE_SERVER} its token exchange profiles (no Management API profile for "
        f"this issuer here): whether {sent.client_id} may exchange this token, which "
        "issuers it trusts, the audiences it reaches, how scopes map, and the acting "
        "client's grant",
    )


def _allowed(sent: SentRequest, tenant: ExchangeTenant, seen: Foreseen) -> RequestCheck:
    token_type = sent.asked.get("subject_token_type")
    refused = seen.verdict(not_allowed)
    if refused is None:
        letting = tenant.letting(sent.client_id, token_type)
        names = ", ".join(str(p.get("name") or p.get("id")) for p in letting)
        return RequestCheck(
            "exchange profile",
            True,
            f"token exchange profile {names} lets {sent.client_id} exchange "
            f"{kind_words(token_type)}",
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
        f"no token exchange profile lets {sent.client_id} exchange {kind_words(token_type)}",
        fix,
        refused.code,
    )


def _said(found: Finding) -> str:
    return "it has been revoked" if found.code is Code.INACTIVE else found.describe()


def _subject(seen: Foreseen, now: float) -> list[RequestCheck]:
    read, found = seen.subject, seen.facts.subject
    checks = []
    if read.jws is not None:
        checks.append(_issuer(seen))
        if found is None or found.code is Code.EXPIRED:
            checks.append(_expiry(seen, now))
    # The subject token's one finding, sorted by its three rows in turn.
    refused = seen.first(subject_untrusted, subject_expired, subject_invalid)
    if refused is not None and refused.code is Refusal.SUBJECT_TOKEN_INVALID:
        checks.append(
            RequestCheck(
                "subject token",
                False,
                f"the subject_token, read as the server reads it: {_said(found)}",
                "send the access token itself, as its issuer's token endpoint answered it, "
                "current and unaltered",
                refused.code,
            )
        )
    elif found is None and (refused := seen.verdict(subject_not_exchangeable)) is not None:
        checks.append(
            RequestCheck(
                "subject token",
                False,
                f"the subject_token: {refused.values['said']}",
                "exchange an access token the caller got for an API (never a Management API "
                "token), of this issuer or naming a subject of the trusted issuer's own",
                refused.code,
            )
        )
    elif found is None:
        checks.append(
            RequestCheck(
                "subject token",
                True,
                "its form, algorithm, kid and claims pass the rule book's reading; its "
                f"signature and whether it was revoked: {ONLY_THE_SERVER}",
            )
        )
    return checks


def _issuer(seen: Foreseen) -> RequestCheck:
    iss = seen.subject.claims.get("iss")
    refused = seen.verdict(subject_untrusted)
    if refused is not None:  # the first of the subject token's rows
        trusted = ", ".join([seen.issuer or "", *seen.trusted])
        return RequestCheck(
            "subject token iss",
            False,
            f"iss {iss!r} is neither the server's issuer nor one its token exchange profiles "
            f"trust ({trusted})",
            "exchange a token of this issuer, or add its issuer and JWKS to the profile's "
            "trusted_issuers",
            refused.code,
        )
    if iss == seen.issuer:
        return RequestCheck("subject token iss", True, f"iss {iss}, the server's own")
    if seen.judges(subject_untrusted):
        return RequestCheck("subject token iss", True, f"iss {iss}, an issuer a profile trusts")
    if seen.issuer is None:
        return RequestCheck(
            "subject token iss", None, f"iss {iss!r}; the server's metadata names no issuer"
        )
    return RequestCheck(
        "subject token iss",
        None,
        f"iss {iss!r} is not the server's; whether a token exchange profile trusts it: "
        f"{ONLY_THE_SERVER}",
    )


def _expiry(seen: Foreseen, now: float) -> RequestCheck | None:
    refused = seen.first(subject_untrusted, subject_expired)
    if refused is not None and refused.code is not Refusal.SUBJECT_TOKEN_EXPIRED:
        return None  # not read so far: its issuer is not trusted
    exp = seen.subject.claims.get("exp")
    if refused is None:
        if not isinstance(exp, int | float):
            return None
        return RequestCheck(
            "subject token exp", True, f"expires {exp - now:.0f} s after the server's now"
        )
    ago = f"{now - exp:.0f} s " if isinstance(exp, int | float) else ""
    return RequestCheck(
        "subject token exp",
        False,
        f"expired {ago}before the server's now (its Date header), beyond its leeway",
        "get a fresh subject token (`m2m-tui token` with its profile), then exchange it",
        refused.code,
    )


def _actor(seen: Foreseen) -> RequestCheck:
    """The actor token, read as the subject token is, under one code."""
    refused = seen.verdict(actor_invalid)
    if refused is None:
        sub = seen.actor_read.claims.get("sub")
        return RequestCheck("actor token", True, f"sub {sub!r}: it acts for the subject")
    return RequestCheck(
        "actor token",
        False,
        f"the actor_token, read as the server reads it: {refused.values['said']}",
        "send a current access token of this issuer issued to the acting client "
        f"({seen.facts.client_id}) as the actor_token, or none (the acting client is then "
        "the actor)",
        refused.code,
    )


def _may_act(seen: Foreseen) -> RequestCheck:
    claims, actor = seen.facts.subject_claims, seen.facts.actor
    refused = seen.verdict(may_act_mismatch)
    if refused is None:
        if claims.get("may_act") is None:
            return RequestCheck(
                "may_act", True, "the subject token names no may_act: the profiles alone decide"
            )
        return RequestCheck("may_act", True, f"the subject token's may_act names {actor}")
    named = claims.get("may_act")
    named = named.get("sub") if isinstance(named, Mapping) else named
    return RequestCheck(
        "may_act",
        False,
        f"the subject token's may_act names {named!r}, not the actor {actor} (RFC 8693 §4.4)",
        f"exchange as {named} (its profile with --as), or get a subject token whose may_act "
        f"names {actor}",
        refused.code,
    )


def _chain(seen: Foreseen) -> RequestCheck:
    refused = seen.verdict(act_chain_invalid)
    if refused is not None:
        return RequestCheck(
            "act chain",
            False,
            f"the subject token's act is not a valid chain: {refused.values['problem']} "
            "(RFC 8693 §4.1)",
            "exchange a token whose act nests objects each naming its actor's sub; its "
            "issuer wrote it",
            refused.code,
        )
    chain = read_chain(seen.facts.subject_claims)
    if not chain.actors:
        return RequestCheck("act chain", True, "no act: the subject token is its holder's own")
    return RequestCheck(
        "act chain",
        True,
        f"already delegated: {' ← '.join(chain.actors)}; the new token nests it under its actor",
    )


def _audience(sent: SentRequest, tenant: ExchangeTenant | None, seen: Foreseen) -> RequestCheck:
    target = seen.target
    if not target:
        return RequestCheck(
            "exchange audience",
            None,
            f"no audience or resource: the server picks the target ({ONLY_THE_SERVER} which)",
        )
    if tenant is None or not seen.judges(audience_not_allowed):
        return RequestCheck(
            "exchange audience",
            None,
            f"for {target}; which audiences its token exchange profiles let an exchange "
            f"reach: {ONLY_THE_SERVER}",
        )
    refused = seen.verdict(audience_not_allowed)
    if refused is None:
        return RequestCheck("exchange audience", True, f"{target} is a profile's audience")
    letting = tenant.letting(sent.client_id, sent.asked.get("subject_token_type"))
    iss = seen.facts.subject_claims.get("iss")
    reach = sorted(
        {
            a
            for p in letting
            if iss is None or trusts(p, iss, seen.issuer)
            for a in strs(p, "audiences")
        }
    )
    if not tenant.target_known:
        detail, fix = f"no API has the identifier {target}", "exchange for an API's identifier"
    else:
        detail = (
            f"{target} is not among the audiences the profiles allow ({', '.join(reach)})"
            if reach
            else f"no token exchange profile lets {sent.client_id} exchange these tokens for "
            "any audience"
        )
        profile = profile_to_change(sent, tenant, Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED)
        if profile:
            fix = f"add {target} to token exchange profile {profile.get('name')}'s audiences"
        elif reach:
            fix = f"exchange for one of {', '.join(reach)}"
        else:
            fix = (
                f"list {target} in the audiences of a token exchange profile that lets "
                f"{sent.client_id} exchange these tokens"
            )
    return RequestCheck("exchange audience", False, detail, fix, refused.code)
