"""The authorization server's rules for issuing a client_credentials token (RFC 6749
§4.4, Auth0's client grants and Organizations for M2M), after the client is
authenticated. Each rule is a plain function of what the request asked and what the
tenant holds (`Asked`), returning a `Refused` or None; `ISSUANCE` lists them in the
authority's order and `refusal` runs it. The bundled token endpoint and m2m-tui's
Preview both run it, each filling `Asked` from its own source (the tenant, or the
Management API), so that Preview cannot say other than the authority does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..token_refusals import Refusal
from .closed_sets import Dialect
from .refused import Refused

if TYPE_CHECKING:
    from ..token_shape import ActionRefusal


@dataclass(frozen=True)
class ApiSettings:
    """What of an API (a resource server) the rules read."""

    identifier: str
    dialect: str = Dialect.ACCESS_TOKEN
    rbac: bool = False  # enforce_policies
    dpop_required: bool = False
    mtls_required: bool = False


@dataclass(frozen=True)
class GrantSettings:
    """What of a client grant the rules read (Auth0's client-grants)."""

    scope: tuple[str, ...]
    organization_usage: str = "deny"  # deny, allow or require
    allow_any_organization: bool = False


@dataclass
class Asked:
    """A token request beside the tenant: the facts every issuance rule reads.

    `associated` need only be looked up when `needs_association` says so; `proof_sent`
    and `certificate_sent` are None where they are not known (Preview, before any
    request); `actions` is the bound Actions' refusal once they have run."""

    client_id: str
    audience: str
    api: ApiSettings | None
    grant: GrantSettings | None
    requested: list[str] | None = None  # the `scope` parameter, split; None when absent
    organization: str | None = None  # the organization named, by id or name
    found: tuple[str, str] | None = None  # that organization's (id, name) in the tenant
    associated: bool = False  # it is associated with the grant
    proof_sent: bool | None = None
    certificate_sent: bool | None = None
    actions: ActionRefusal | None = None

    @property
    def beyond(self) -> list[str]:
        """The requested scopes the grant lacks."""
        if self.requested is None or self.grant is None:
            return []
        return [s for s in self.requested if s not in self.grant.scope]

    @property
    def scopes(self) -> list[str]:
        """The scopes the token will carry: the grant's, or those asked of them."""
        granted = list(self.grant.scope) if self.grant is not None else []
        if self.requested is None:
            return granted
        return [s for s in granted if s in self.requested]

    @property
    def needs_association(self) -> bool:
        """Whether the organization's association with the grant decides anything."""
        return (
            self.found is not None
            and self.grant is not None
            and not self.grant.allow_any_organization
        )

    def _who(self) -> dict:
        return {"client": self.client_id, "audience": self.audience}


def unknown_audience(a: Asked) -> Refused | None:
    if a.api is None:
        return Refused(Refusal.UNKNOWN_AUDIENCE, {"audience": a.audience})
    return None


def dialect_without_rbac(a: Asked) -> Refused | None:
    """Auth0 takes a *_authz dialect only with RBAC on; the Management API refuses the
    setting, and a tenant that still holds it (a restored backup) issues no token."""
    api = a.api
    if api is None or api.rbac or api.dialect not in _AUTHZ:
        return None
    return Refused(Refusal.DIALECT_NEEDS_RBAC, {"audience": a.audience, "dialect": api.dialect})


_AUTHZ = frozenset(d for d in Dialect if d.needs_rbac)


def no_grant(a: Asked) -> Refused | None:
    if a.grant is None:
        return Refused(Refusal.NO_CLIENT_GRANT, {"audience": a.audience})
    return None


def scope_beyond_grant(a: Asked) -> Refused | None:
    beyond = a.beyond
    if beyond:
        return Refused(Refusal.SCOPE_NOT_GRANTED, {"scopes": beyond})
    return None


def organization_required(a: Asked) -> Refused | None:
    if not a.organization and a.grant is not None and a.grant.organization_usage == "require":
        return Refused(Refusal.ORGANIZATION_REQUIRED, a._who())
    return None


def organization_denied(a: Asked) -> Refused | None:
    if a.organization and a.grant is not None and a.grant.organization_usage == "deny":
        return Refused(Refusal.ORGANIZATION_DENIED, {**a._who(), "named": a.organization})
    return None


def unknown_organization(a: Asked) -> Refused | None:
    if a.organization and a.found is None:
        return Refused(Refusal.UNKNOWN_ORGANIZATION, {"named": a.organization})
    return None


def organization_not_allowed(a: Asked) -> Refused | None:
    if a.needs_association and not a.associated:
        org_id, name = a.found  # type: ignore[misc]  # needs_association: found is set
        return Refused(Refusal.ORGANIZATION_NOT_ALLOWED, {**a._who(), "id": org_id, "name": name})
    return None


def dpop_required(a: Asked) -> Refused | None:
    """RFC 9449 §5: an API whose tokens must be DPoP-bound, asked with no proof."""
    if a.proof_sent is False and a.api is not None and a.api.dpop_required:
        return Refused(Refusal.DPOP_REQUIRED, {"audience": a.audience})
    return None


def certificate_required(a: Asked) -> Refused | None:
    """RFC 8705 §3: an API whose tokens must be certificate-bound, asked with none."""
    if a.certificate_sent is False and a.api is not None and a.api.mtls_required:
        return Refused(Refusal.CERTIFICATE_REQUIRED, {"audience": a.audience})
    return None


def actions_outcome(a: Asked) -> Refused | None:
    """What the bound Actions decided (token_shape's `Shaped.apply_actions`): a denial, a
    failure, a flow past its time, custom claims too large."""
    r = a.actions
    if r is None:
        return None
    return Refused(r.rule, {"action": r.action, "error": r.error, "said": r.description})


Rule = Callable[[Asked], "Refused | None"]

# The authority's order: the API, the grant, the scopes, the organization, binding,
# and last the Actions, which run only on a request every other rule lets through.
ISSUANCE: tuple[Rule, ...] = (
    unknown_audience,
    dialect_without_rbac,
    no_grant,
    scope_beyond_grant,
    organization_required,
    organization_denied,
    unknown_organization,
    organization_not_allowed,
    dpop_required,
    certificate_required,
    actions_outcome,
)


def refusal(asked: Asked) -> Refused | None:
    """The first rule that refuses the request, None for a token to issue."""
    for rule in ISSUANCE:
        refused = rule(asked)
        if refused is not None:
            return refused
    return None
