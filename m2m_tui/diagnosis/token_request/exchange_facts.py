"""A token exchange (RFC 8693) as the client can know it, in the authority's own terms:
the rule book's `Exchange` facts, filled from the request as sent (`oauth/sent_request`),
the server's metadata and clock, and, where a Management API profile exists for the
issuer, the tenant's token exchange profiles, the acting client's grant and the target
API. The subject and actor tokens are read as the authority reads them
(`rules.exchanged_tokens`), without the keys: their signature and revocation are the
server's alone.

`Foreseen.rules` are the rows of `EXCHANGE` the client can judge; the others read a fact
it cannot know (the profiles, the grant, without the Management API) and predict
nothing. The prediction is `exchange_refusal` over those rows: the authority's table,
not a copy of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from m2m_tui.oauth.sent_request import SentRequest
from oauth_primitives.rules.closed_sets import LEEWAY
from oauth_primitives.rules.exchange import (
    EXCHANGE,
    Exchange,
    Rule,
    act_chain_invalid,
    actor_invalid,
    audience_not_allowed,
    certificate_required,
    dpop_required,
    exchange_refusal,
    may_act_mismatch,
    no_grant,
    not_allowed,
    scope_not_granted,
    scope_widened,
    subject_expired,
    subject_invalid,
    subject_untrusted,
    token_type_unsupported,
)
from oauth_primitives.rules.exchanged_tokens import (
    ExchangedToken,
    judge_exchanged,
    read_exchanged,
)
from oauth_primitives.rules.issuance import ApiSettings, GrantSettings
from oauth_primitives.rules.refused import Refused
from oauth_primitives.token_exchange import TokenType, client_subject

# The rows that read the tenant's policy: the profiles, the target API, the grant.
PROFILE_ROWS = (not_allowed, subject_untrusted)
TARGET_ROWS = (audience_not_allowed, no_grant, scope_not_granted, scope_widened)
API_ROWS = (dpop_required, certificate_required)
# The rows that read the subject and actor tokens as JWTs of an issuer: a custom token
# type's tokens (Auth0's Custom Token Exchange) are its Action's to read.
SUBJECT_ROWS = (
    subject_untrusted,
    subject_expired,
    subject_invalid,
    actor_invalid,
    act_chain_invalid,
    may_act_mismatch,
)
# m2m-tui's extensions to Auth0's profile: a profile without them (Auth0's own) leaves
# who may exchange, for what and with which scopes to its Action.
EXTENSIONS = ("client_ids", "audiences", "scope_map")


@dataclass(frozen=True)
class ExchangeTenant:
    """What the Management API shows of an exchange: the tenant's token exchange
    profiles, the acting client's grant on the target (None: it has none), whether an
    API has the target's identifier, and that API's settings (None: not read)."""

    profiles: tuple[dict, ...]
    granted: tuple[str, ...] | None
    target_known: bool = True
    api: ApiSettings | None = None

    def letting(self, client_id: str, token_type: str | None) -> list[dict]:
        """The profiles that let `client_id` exchange tokens of `token_type`."""
        return [
            p
            for p in self.profiles
            if p.get("subject_token_type") == token_type and client_id in strs(p, "client_ids")
        ]

    def of_type(self, token_type: str | None) -> list[dict]:
        return [p for p in self.profiles if p.get("subject_token_type") == token_type]

    def by_action(self, token_type: str | None) -> list[dict]:
        """The profiles of `token_type` whose policy is their Action's (Auth0's shape:
        none of m2m-tui's client_ids, audiences, scope_map): the client cannot judge
        who they let exchange, nor for what."""
        return [p for p in self.of_type(token_type) if by_action(p)]


def by_action(profile: Mapping) -> bool:
    """Whether the profile leaves its policy to its Action (it carries none of
    m2m-tui's extensions, as Auth0's profiles do)."""
    return not any(field in profile for field in EXTENSIONS)


KIND_WORDS = {
    TokenType.ACCESS_TOKEN: "access tokens",
    TokenType.REFRESH_TOKEN: "refresh tokens",
    TokenType.ID_TOKEN: "ID tokens",
    TokenType.JWT: "JWTs",
    TokenType.SAML1: "SAML 1.1 assertions",
    TokenType.SAML2: "SAML 2.0 assertions",
}


def kind_words(token_type: str | None) -> str:
    """A subject token type in words, its URI after: `access tokens
    (urn:ietf:params:oauth:token-type:access_token)`; a custom one as `tokens of type URI`."""
    if not token_type:
        return "tokens of no type"
    named = next((w for t, w in KIND_WORDS.items() if t.value == token_type), None)
    return f"{named} ({token_type})" if named else f"tokens of type {token_type}"


def custom_type(token_type: str | None) -> bool:
    """A subject token type none of RFC 8693's URIs: a provider's own (Auth0's Custom
    Token Exchange matches its profile by it)."""
    return bool(token_type) and token_type not in {t.value for t in TokenType}


class _AnyIssuer:
    """Without the profiles, any issuer may be one they trust: a token is then read as a
    trusted issuer's, and whether it is one is left to the server."""

    def __contains__(self, _issuer: object) -> bool:
        return True


@dataclass
class Foreseen:
    """The facts, the rows judged on them, and what went into them."""

    facts: Exchange
    rules: tuple[Rule, ...]
    tenant: ExchangeTenant | None
    issuer: str | None  # the server's, from its metadata
    bundled: bool  # the server is the bundled authority: its table is the server's own
    trusted: tuple[str, ...]  # the issuers the letting profiles trust (the tenant's)
    target: str  # "" when neither named nor found in the profiles
    subject: ExchangedToken | None = None
    actor_read: ExchangedToken | None = None
    profile: dict | None = None  # the profile that lets this exchange reach the target

    @property
    def predicted(self) -> Refused | None:
        """The authority's table on what the client knows: its first refusal."""
        return exchange_refusal(self.facts, self.rules)

    def judges(self, rule: Rule) -> bool:
        return rule in self.rules

    def verdict(self, rule: Rule) -> Refused | None:
        """One row's word on these facts; None for a row the client cannot judge."""
        return rule(self.facts) if rule in self.rules else None

    def first(self, *rules: Rule) -> Refused | None:
        """The first refusal among `rules` (rows that read one fact in turn, the subject
        token's finding, say), in the table's order, of those the client can judge."""
        return exchange_refusal(self.facts, tuple(r for r in self.rules if r in rules))


def strs(profile: Mapping, field: str) -> list[str]:
    value = profile.get(field)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def target_of(sent: SentRequest) -> str:
    return sent.asked.get("audience") or sent.asked.get("resource") or ""


def target_for(sent: SentRequest, profiles: tuple[dict, ...] | list[dict]) -> str:
    """The one API the exchange is for, as the authority picks it: `audience` or
    `resource`; none named, the only audience of the profiles that let the client
    exchange this token type ("" when there is not one)."""
    named = target_of(sent)
    if named:
        return named
    letting = ExchangeTenant(tuple(profiles), None).letting(
        sent.client_id, sent.asked.get("subject_token_type") or None
    )
    targets = {a for p in letting for a in strs(p, "audiences")}
    return targets.pop() if len(targets) == 1 else ""


def trusts(profile: Mapping, iss: object, issuer: object) -> bool:
    """Whether the profile takes tokens of `iss`: the server's own `issuer`'s, or one of
    its trusted_issuers' (as the authority picks the profile)."""
    if iss == issuer:
        return True
    trusted = profile.get("trusted_issuers") or []
    return any(isinstance(t, Mapping) and t.get("issuer") == iss for t in trusted)


def foresee(
    sent: SentRequest,
    metadata: dict,
    now: float,
    tenant: ExchangeTenant | None,
    bundled: bool = False,
) -> Foreseen:
    """`bundled`: the server is known to be the bundled authority (its answer carries a
    `rule`, or the profile is a bundled one), whose table is then the server's whole
    word; elsewhere a custom token type and an Action's profile are the server's own."""
    asked = sent.asked
    token_type = asked.get("subject_token_type") or None
    facts = Exchange(
        sent.client_id,
        bool(sent.subject and sent.subject.token),
        token_type,
        bool(sent.actor and sent.actor.token),
        asked.get("actor_token_type") or None,
        asked.get("requested_token_type") or None,
    )
    issuer = metadata.get("issuer") if isinstance(metadata.get("issuer"), str) else None
    facts.issuer = issuer
    # The Management API's audience, as the bundled authority and Auth0 name it
    # (admin.management_api's rule, which this layer may not import).
    facts.management_audience = issuer.rstrip("/") + "/api/v2/" if issuer else None
    letting = tenant.letting(sent.client_id, token_type) if tenant is not None else []
    trusted = tuple(
        t["issuer"]
        for p in letting
        for t in p.get("trusted_issuers") or []
        if isinstance(t, Mapping) and isinstance(t.get("issuer"), str)
    )
    # Who is trusted is the tenant's to say, and ours only known from the metadata.
    readable = trusted if tenant is not None and issuer is not None else _AnyIssuer()
    target = target_for(sent, tenant.profiles) if tenant is not None else target_of(sent)
    found = Foreseen(facts, (), tenant, issuer, bundled, trusted, target)
    facts.allowed = bool(letting) or tenant is None
    if sent.subject is not None and sent.subject.token:
        found.subject = read_exchanged(sent.subject.token, issuer, readable, LEEWAY)
        facts.subject = judge_exchanged(found.subject, now, keys=None)
        facts.subject_claims = found.subject.claims
    facts.actor = client_subject(sent.client_id)
    if sent.actor is not None and sent.actor.token:
        found.actor_read = read_exchanged(sent.actor.token, issuer, readable, LEEWAY)
        facts.actor_finding = judge_exchanged(found.actor_read, now, keys=None)
        facts.actor = str(found.actor_read.claims.get("sub", ""))
        facts.actor_claims = found.actor_read.claims
    if tenant is not None and found.target:
        _fill_target(found, letting, tenant)
    facts.requested = asked["scope"].split() if "scope" in asked else None
    facts.proof_sent = sent.proof is not None
    facts.certificate_sent = sent.certificate
    found.rules = _judged(found, tenant, issuer)
    return found


def _fill_target(found: Foreseen, letting: list[dict], tenant: ExchangeTenant) -> None:
    facts, target = found.facts, found.target
    iss = facts.subject_claims.get("iss")
    # A subject token not read (not a JWT) has no issuer to pick a profile by: its own
    # row refuses it, and the audience is judged by the profiles alone, not failed twice.
    found.profile = next(
        (
            p
            for p in letting
            if target in strs(p, "audiences") and (iss is None or trusts(p, iss, found.issuer))
        ),
        None,
    )
    facts.audience, facts.audience_allowed = target, found.profile is not None
    # Not listed: the scopes are judged as through the profile a fix would list it in
    # (the first that lets the client), so that no step is asked for that listing the
    # audience there would make needless. The audience's row refuses first either way.
    mapping = found.profile or (letting[0] if letting else None)
    if mapping is not None:
        scope_map = mapping.get("scope_map")
        facts.scope_map = scope_map if isinstance(scope_map, Mapping) else {}
    if tenant.target_known:
        facts.api = tenant.api or ApiSettings(target)
        granted = tenant.granted
        facts.grant = None if granted is None else GrantSettings(tuple(granted))


def _judged(found: Foreseen, tenant: ExchangeTenant | None, issuer: str | None) -> tuple:
    """The rows whose facts the client holds."""
    unknown: set[Rule] = set()
    if tenant is None:
        unknown.update(PROFILE_ROWS, TARGET_ROWS, API_ROWS)
    if issuer is None:
        unknown.add(subject_untrusted)
    if not found.target:
        unknown.update(TARGET_ROWS, API_ROWS)
    if tenant is not None and tenant.api is None:
        unknown.update(API_ROWS)  # the target's binding was not read
    token_type = found.facts.subject_token_type
    if custom_type(token_type) and not found.bundled:
        unknown.update((token_type_unsupported, *SUBJECT_ROWS))
    if tenant is not None and tenant.by_action(token_type):
        unknown.update((*PROFILE_ROWS, *TARGET_ROWS, *SUBJECT_ROWS))
    return tuple(rule for rule in EXCHANGE if rule not in unknown)
