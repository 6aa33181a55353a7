"""The authorization server's rules for a token exchange (RFC 8693), after the acting
client is authenticated: the request's parameters, the subject and actor tokens as the
authority read them, the tenant's token exchange profiles, and the acting client's grant
on the target. Each rule is a plain function of `Exchange` (the facts), returning a
`Refused` or None; `EXCHANGE` lists them in the authority's order, and `exchange_refusal`
runs it. The bundled token endpoint fills `Exchange` from the request and its tenant; the
diagnosis can fill it from what it knows, and cannot then say other than the authority."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..token_exchange import (
    CLIENT_SUFFIX,
    ISSUABLE_TOKEN_TYPES,
    MAX_CHAIN,
    SUBJECT_TOKEN_TYPES,
    Narrowed,
    client_subject,
    may_act_allows,
    narrow,
    read_chain,
    scope_list,
)
from ..token_refusals import Refusal
from .findings import Code, Finding
from .issuance import ApiSettings, GrantSettings
from .refused import Refused


@dataclass
class Exchange:
    """A token exchange request beside the tenant: what every exchange rule reads.

    `subject` and `actor_finding` are the first finding against the subject and actor
    tokens (None: the token passed, or was not read yet); an issuer no profile trusts is
    found as `iss_mismatch`, a revoked token of this issuer as `inactive`. `allowed`: a
    profile lets the client exchange this subject token type; `audience_allowed`: one of
    those (trusting the subject token's issuer) lists the target."""

    client_id: str
    subject_token: bool  # the subject_token parameter came, non-empty
    subject_token_type: str | None
    actor_token: bool = False
    actor_token_type: str | None = None
    requested_token_type: str | None = None
    allowed: bool = True
    subject: Finding | None = None
    subject_claims: Mapping = field(default_factory=dict)
    actor_finding: Finding | None = None
    actor: str = ""  # who acts: the actor token's sub, else the acting client's subject
    actor_claims: Mapping = field(default_factory=dict)  # the actor token's, when sent
    issuer: str | None = None  # this authority's (None: not known, those rows not judged)
    management_audience: str | None = None  # its Management API's (None: not known)
    audience: str = ""
    audience_allowed: bool = True
    api: ApiSettings | None = None
    grant: GrantSettings | None = None
    requested: list[str] | None = None  # the `scope` parameter, split; None when absent
    scope_map: Mapping[str, list[str]] = field(default_factory=dict)
    proof_sent: bool | None = None
    certificate_sent: bool | None = None

    @property
    def narrowed(self) -> Narrowed:
        """The scopes across the exchange (token_exchange.narrow: never wider)."""
        granted = self.grant.scope if self.grant is not None else ()
        return narrow(self.requested, scope_list(self.subject_claims), granted, self.scope_map)


def parameter_missing(e: Exchange) -> Refused | None:
    """RFC 8693 §2.1: subject_token and its type are required; an actor_token and its
    type come together or not at all."""
    if not e.subject_token:
        return Refused(Refusal.EXCHANGE_PARAMETER_MISSING, {"parameter": "subject_token"})
    if not e.subject_token_type:
        return Refused(Refusal.EXCHANGE_PARAMETER_MISSING, {"parameter": "subject_token_type"})
    if e.actor_token and not e.actor_token_type:
        values = {"parameter": "actor_token_type", "with": "actor_token"}
        return Refused(Refusal.EXCHANGE_PARAMETER_MISSING, values)
    if e.actor_token_type and not e.actor_token:
        values = {"parameter": "actor_token", "with": "actor_token_type"}
        return Refused(Refusal.EXCHANGE_PARAMETER_MISSING, values)
    return None


def token_type_unsupported(e: Exchange) -> Refused | None:
    asked = (
        ("subject_token_type", e.subject_token_type, SUBJECT_TOKEN_TYPES),
        ("actor_token_type", e.actor_token_type, SUBJECT_TOKEN_TYPES),
        ("requested_token_type", e.requested_token_type, ISSUABLE_TOKEN_TYPES),
    )
    for parameter, value, supported in asked:
        if value and value not in supported:
            values = {"parameter": parameter, "type": value, "supported": list(supported)}
            return Refused(Refusal.EXCHANGE_TOKEN_TYPE_UNSUPPORTED, values)
    return None


def not_allowed(e: Exchange) -> Refused | None:
    if not e.allowed:
        values = {"client": e.client_id, "subject_token_type": e.subject_token_type}
        return Refused(Refusal.EXCHANGE_NOT_ALLOWED, values)
    return None


def _read(found: Finding) -> dict:
    said = "it has been revoked" if found.code is Code.INACTIVE else found.describe()
    return {"finding": str(found.code), "said": said}


def subject_untrusted(e: Exchange) -> Refused | None:
    found = e.subject
    if found is not None and found.code is Code.ISS_MISMATCH:
        return Refused(Refusal.SUBJECT_TOKEN_UNTRUSTED, {"iss": found.values.get("iss")})
    return None


def subject_expired(e: Exchange) -> Refused | None:
    if e.subject is not None and e.subject.code is Code.EXPIRED:
        return Refused(Refusal.SUBJECT_TOKEN_EXPIRED, _read(e.subject))
    return None


def subject_invalid(e: Exchange) -> Refused | None:
    if e.subject is not None:
        return Refused(Refusal.SUBJECT_TOKEN_INVALID, _read(e.subject))
    return None


def subject_not_exchangeable(e: Exchange) -> Refused | None:
    """A subject token that reads well but is not one to exchange: a Management API
    token (its holder would take tenant admin rights' subject to another API), or an
    external issuer's naming a subject in this tenant's own client namespace (the new
    token, signed here, would pass for one of this tenant's clients' own)."""
    claims = e.subject_claims
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if e.management_audience is not None and e.management_audience in auds:
        said = "a Management API token is not exchanged"
        return Refused(Refusal.SUBJECT_TOKEN_INVALID, {"finding": "management_token", "said": said})
    iss, sub = claims.get("iss"), claims.get("sub")
    foreign = e.issuer is not None and iss != e.issuer
    if foreign and isinstance(sub, str) and sub.endswith(CLIENT_SUFFIX):
        said = f"a subject from {iss} may not name one of this tenant's clients ({sub})"
        return Refused(Refusal.SUBJECT_TOKEN_INVALID, {"finding": "client_subject", "said": said})
    return None


def actor_invalid(e: Exchange) -> Refused | None:
    if e.actor_finding is not None:
        return Refused(Refusal.ACTOR_TOKEN_INVALID, _read(e.actor_finding))
    if e.actor_token and e.actor_claims and not actor_is_the_client(e.actor_claims, e.client_id):
        # Nothing else ties the actor token's sub to who authenticated: without this, any
        # client could name another (World Mappers, say) as the actor, in `act` and to
        # the subject token's may_act, by sending a token of theirs it got hold of.
        holder = e.actor_claims.get("client_id") or e.actor_claims.get("azp")
        holder = holder or e.actor_claims.get("sub")
        said = (
            f"it was issued to {holder}, not to the acting client {e.client_id}: an actor "
            "token must be the acting client's own"
        )
        return Refused(Refusal.ACTOR_TOKEN_INVALID, {"finding": "not_the_clients", "said": said})
    return None


def actor_is_the_client(claims: Mapping, client_id: str) -> bool:
    """An actor token issued to `client_id`: its client_id or azp, or its sub as this
    issuer names a client's own tokens (client_subject)."""
    return client_id in (claims.get("client_id"), claims.get("azp")) or claims.get(
        "sub"
    ) == client_subject(client_id)


def act_chain_invalid(e: Exchange) -> Refused | None:
    chain = read_chain(e.subject_claims)
    if chain.problem is not None:
        return Refused(Refusal.ACT_CHAIN_INVALID, {"problem": chain.problem})
    if len(chain.actors) >= MAX_CHAIN:  # the new actor nests one deeper (RFC 8693 §4.1)
        problem = f"the new token's act chain would be deeper than {MAX_CHAIN}"
        return Refused(Refusal.ACT_CHAIN_INVALID, {"problem": problem})
    return None


def may_act_mismatch(e: Exchange) -> Refused | None:
    """RFC 8693 §4.4: a subject token naming who may act for it names this actor."""
    if may_act_allows(e.subject_claims, e.actor) is False:
        return Refused(Refusal.MAY_ACT_MISMATCH, {"actor": e.actor})
    return None


def audience_not_allowed(e: Exchange) -> Refused | None:
    if not e.audience_allowed or e.api is None:
        values = {"client": e.client_id, "audience": e.audience}
        return Refused(Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED, values)
    return None


def no_grant(e: Exchange) -> Refused | None:
    if e.grant is None:
        return Refused(Refusal.NO_CLIENT_GRANT, {"audience": e.audience})
    return None


def scope_not_granted(e: Exchange) -> Refused | None:
    ungranted = e.narrowed.ungranted
    if ungranted:
        return Refused(Refusal.SCOPE_NOT_GRANTED, {"scopes": list(ungranted)})
    return None


def scope_widened(e: Exchange) -> Refused | None:
    widened = e.narrowed.widened
    if widened:
        return Refused(Refusal.EXCHANGE_SCOPE_WIDENED, {"scopes": list(widened)})
    return None


def dpop_required(e: Exchange) -> Refused | None:
    """RFC 9449 §5, as for client_credentials: the target binds its tokens."""
    if e.proof_sent is False and e.api is not None and e.api.dpop_required:
        return Refused(Refusal.DPOP_REQUIRED, {"audience": e.audience})
    return None


def certificate_required(e: Exchange) -> Refused | None:
    """RFC 8705 §3, as for client_credentials."""
    if e.certificate_sent is False and e.api is not None and e.api.mtls_required:
        return Refused(Refusal.CERTIFICATE_REQUIRED, {"audience": e.audience})
    return None


Rule = Callable[[Exchange], "Refused | None"]

# The authority's order: the request's form, the policy's word on the client, the
# subject token (its issuer first: an untrusted one is not read further), the actor
# token, the delegation the subject token allows, then the target as for any token.
EXCHANGE: tuple[Rule, ...] = (
    parameter_missing,
    token_type_unsupported,
    not_allowed,
    subject_untrusted,
    subject_expired,
    subject_invalid,
    subject_not_exchangeable,
    actor_invalid,
    act_chain_invalid,
    may_act_mismatch,
    audience_not_allowed,
    no_grant,
    scope_not_granted,
    scope_widened,
    dpop_required,
    certificate_required,
)


def exchange_refusal(facts: Exchange, rules: tuple[Rule, ...] = EXCHANGE) -> Refused | None:
    """The first rule that refuses the exchange, None for a token to issue. `rules`: a
    head of the table, for an authority that stops before reading the tokens."""
    for rule in rules:
        refused = rule(facts)
        if refused is not None:
            return refused
    return None
