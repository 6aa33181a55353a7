"""One check of a diagnosis (what was checked, whether it passed, what it found, and the
fix) and what the API expects of a token. A module of its own because every family of
checks (token, claim, time, opaque, DPoP) uses them, and none may import another back."""

from __future__ import annotations

from dataclasses import dataclass

from oauth_primitives.rules.access_token import Policy
from oauth_primitives.rules.closed_sets import ASYMMETRIC, LEEWAY
from oauth_primitives.rules.jws import MAX_TOKEN


@dataclass
class Check:
    name: str
    ok: bool | None  # None: not checked (an earlier check made it meaningless), or a warning
    detail: str
    fix: str = ""
    # The rule book's code for what this check found (oauth_primitives.rules.Code), when
    # it failed or warns; what tests and exports compare, never the detail's wording.
    code: str = ""
    # The cause a person would name (m2m_tui.diagnosis.causes.Cause), when this check
    # knows it: why the token broke the rule, where `code` says which rule.
    cause: str = ""


@dataclass
class Expectations:
    """What the API expects; from the profile, or its RFC 9728 metadata and OpenAPI."""

    issuer: str | None
    audience: str | None
    scope: str | None = None  # the endpoint's required scope
    leeway: float = LEEWAY
    require_at_jwt: bool = False
    client_label: str | None = None  # e.g. "Gift Deliveries", for concrete fixes
    # How the API checks tokens (its RFC 9728 metadata's `token_validation`): "jwt",
    # "introspection", or None where it does not say.
    validation: str | None = None
    # Organizations for M2M (the metadata's organization_required and
    # organizations_supported): a token must carry org_id, for one of these (empty: any).
    organization_required: bool = False
    organizations: tuple[str, ...] = ()
    # The algorithms the API takes (its metadata's token_signing_alg_values_supported);
    # unknown: every asymmetric one, as the bundled API.
    algorithms: tuple[str, ...] = ASYMMETRIC
    max_token: int = MAX_TOKEN
    dpop_required: bool = False
    mtls_required: bool = False  # certificate-bound tokens only (RFC 8705)
    # Claims the API requires (its metadata's required_claims): (name, value or None).
    required_claims: tuple[tuple[str, str | None], ...] = ()

    @classmethod
    def from_metadata(
        cls, meta: dict, issuer: str | None, audience: str | None, scope: str | None
    ) -> Expectations:
        """From the API's RFC 9728 metadata (and its extensions), where it says; else the
        profile's issuer and audience, and the rule book's defaults."""
        servers = meta.get("authorization_servers")
        if isinstance(servers, list) and servers and isinstance(servers[0], str):
            issuer = servers[0]
        if isinstance(meta.get("audience"), str):
            audience = meta["audience"]
        served = meta.get("organizations_supported")
        algs = meta.get("access_token_signing_alg_values_supported")
        validation = meta.get("token_validation")
        return cls(
            issuer=issuer,
            audience=audience,
            scope=scope,
            require_at_jwt=meta.get("rfc9068_required") is True,
            validation=validation if validation in ("jwt", "introspection") else None,
            organization_required=meta.get("organization_required") is True,
            organizations=tuple(o for o in served if isinstance(o, str))
            if isinstance(served, list)
            else (),
            algorithms=tuple(algs)
            if isinstance(algs, list) and algs and all(isinstance(a, str) for a in algs)
            else ASYMMETRIC,
            dpop_required=meta.get("dpop_bound_access_tokens_required") is True,
            mtls_required=meta.get("tls_client_certificate_bound_access_tokens") is True,
            required_claims=_required_claims(meta.get("required_claims")),
        )

    def policy(self) -> Policy:
        """The rule book's view of the same expectations."""
        return Policy(
            self.issuer,
            self.audience,
            self.algorithms,
            self.leeway,
            self.require_at_jwt,
            self.organization_required,
            self.organizations,
            self.dpop_required,
            self.mtls_required,
            self.required_claims,
        )


def _required_claims(listed: object) -> tuple[tuple[str, str | None], ...]:
    """The metadata's [{"name", "value"}]; anything malformed is left out."""
    if not isinstance(listed, list):
        return ()
    return tuple(
        (c["name"], c.get("value") if isinstance(c.get("value"), str) else None)
        for c in listed
        if isinstance(c, dict) and isinstance(c.get("name"), str) and c["name"]
    )
