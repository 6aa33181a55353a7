"""One check of a diagnosis (what was checked, whether it passed, what it found, and the
fix) and what the API expects of a token. A module of its own because every family of
checks (token, claim, time, opaque, DPoP) uses them, and none may import another back."""

from __future__ import annotations

from dataclasses import dataclass, replace

from oauth_primitives.rules import Code, Finding
from oauth_primitives.rules.access_token import Policy
from oauth_primitives.rules.closed_sets import ASYMMETRIC
from oauth_primitives.rules.jws import MAX_TOKEN
from oauth_primitives.rules.table import FORM, TABLE, Presented, place, run


@dataclass
class Check:
    name: str
    ok: bool | None  # None: not checked (an earlier check made it meaningless), or a warning
    detail: str
    fix: str = ""
    # The rule book's code for what this check found, when it failed or warns; what
    # tests and exports compare, never the detail's wording.
    code: Code | None = None
    # The cause a person would name (m2m_tui.diagnosis.causes.Cause), when this check
    # knows it: why the token broke the rule, where `code` says which rule.
    cause: str = ""

    def __post_init__(self) -> None:
        if self.code is not None and not isinstance(self.code, Code):
            self.code = Code(self.code) if self.code else None  # a closed set, or nothing


@dataclass
class Expectations:
    """What the API expects: the rule book's `Policy` (from the profile, or the API's
    RFC 9728 metadata), and what the diagnosis adds to explain a refusal."""

    policy: Policy
    scope: str | None = None  # the endpoint's required scope
    client_label: str | None = None  # e.g. "Gift Deliveries", for concrete fixes
    # How the API checks tokens (its RFC 9728 metadata's `token_validation`): "jwt",
    # "introspection", or None where it does not say.
    validation: str | None = None
    max_token: int = MAX_TOKEN
    # The client's profiles whose audience is this API: who could exchange a caller's
    # token for it (RFC 8693), named in a delegation fix.
    acting_profiles: tuple[str, ...] = ()

    # The policy's terms, read through, as the checks' words name them.
    issuer = property(lambda self: self.policy.issuer)
    audience = property(lambda self: self.policy.audience)
    leeway = property(lambda self: self.policy.leeway)
    require_at_jwt = property(lambda self: self.policy.strict_rfc9068)
    organization_required = property(lambda self: self.policy.organization_required)
    organizations = property(lambda self: self.policy.organizations)
    algorithms = property(lambda self: self.policy.algorithms)
    dpop_required = property(lambda self: self.policy.dpop_required)
    mtls_required = property(lambda self: self.policy.mtls_required)
    required_claims = property(lambda self: self.policy.required_claims)
    accepted_actors = property(lambda self: self.policy.accepted_actors)
    require_actor = property(lambda self: self.policy.require_actor)

    def stricter(self, **terms) -> Expectations:
        """The same expectations under a policy changed in `terms` (Policy's fields)."""
        return replace(self, policy=replace(self.policy, **terms))

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
        policy = Policy(
            issuer=issuer,
            audience=audience,
            strict_rfc9068=meta.get("rfc9068_required") is True,
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
            accepted_actors=_strings(meta.get("accepted_actors")),
            require_actor=meta.get("require_actor") is True,
        )
        return cls(
            policy,
            scope=scope,
            validation=validation if validation in ("jwt", "introspection") else None,
        )


def _strings(listed: object) -> tuple[str, ...]:
    return tuple(s for s in listed if isinstance(s, str)) if isinstance(listed, list) else ()


def _required_claims(listed: object) -> tuple[tuple[str, str | None], ...]:
    """The metadata's [{"name", "value"}]; anything malformed is left out."""
    if not isinstance(listed, list):
        return ()
    return tuple(
        (c["name"], c.get("value") if isinstance(c.get("value"), str) else None)
        for c in listed
        if isinstance(c, dict) and isinstance(c.get("name"), str) and c["name"]
    )


# The check that explains a row's findings, where it is not the row's namesake: the kid
# check says whether the key is known, the signature check whether it fits.
_CHECK_OF = {
    Code.KID_UNKNOWN: "kid",
    Code.KEY_TYPE_MISMATCH: "signature",
    Code.KEY_ALG_MISMATCH: "signature",
    Code.KEY_TOO_SMALL: "signature",
    **dict.fromkeys(FORM, "format"),
}


def judged(presented: Presented) -> dict[str, Finding]:
    """Every finding of the rule table on `presented`, by the name of the check that
    explains it: the one run of the rules a diagnosis makes."""
    found: dict[str, Finding] = {}
    for finding in run(presented, every=True):
        name = _CHECK_OF.get(finding.code)
        if name is None:
            name = TABLE[place(finding.code, finding.values.get("claim", ""))[0]].name
        found[name] = finding
    return found
