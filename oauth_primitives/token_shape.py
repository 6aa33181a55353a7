"""What a client_credentials token will carry, and where each claim comes from: the
bundled authority issues tokens from this, and m2m-tui's Preview shows the same thing
before the token exists (for a real Auth0 tenant, from what its Management API says).

Auth0's token dialects (a resource server's `token_dialect`):
- access_token: Auth0's own profile, `azp` names the client, `typ` JWT;
- access_token_authz: the same, with `permissions` when RBAC is on (enforce_policies);
- rfc9068_profile: RFC 9068's JWT access token profile, `typ` at+jwt and `client_id`;
- rfc9068_profile_authz: that, with `permissions` when RBAC is on.
For a client_credentials token the permissions are the scopes granted to the client."""

from __future__ import annotations

from dataclasses import dataclass, field

from .action_runs import Exchange, place
from .custom_claims import PAYLOAD_LIMIT, payload_size, refusal
from .rules.closed_sets import Dialect
from .token_refusals import Refusal

DIALECTS = tuple(Dialect)
RFC9068_DIALECTS = frozenset(d for d in Dialect if d.rfc9068)
AUTHZ = frozenset(d for d in Dialect if d.needs_rbac)


@dataclass(frozen=True)
class Api:
    """The resource server's settings that shape its tokens."""

    identifier: str
    token_lifetime: int = 86400
    token_dialect: str = Dialect.ACCESS_TOKEN
    enforce_policies: bool = False


@dataclass(frozen=True)
class ClaimOrigin:
    """Where a claim comes from: `words` to show, and `action`, the Action that set it
    (None for a claim the authorization server sets itself)."""

    words: str
    action: str | None = None

    @classmethod
    def of_action(cls, name: str) -> ClaimOrigin:
        return cls(f"Action {name}", name)

    def __str__(self) -> str:
        return self.words


@dataclass
class Shaped:
    header: dict
    claims: dict
    origins: dict[str, ClaimOrigin]
    left_out: list[tuple[str, str, str]] = field(default_factory=list)  # (claim, by, why)

    def add_custom(self, name: str, value: object, action: str, base: dict) -> None:
        """An Action's claim, unless Auth0's rules keep it out (custom_claims.py)."""
        why = refusal(name, base)
        if why is not None:
            self.left_out.append((name, action, why))
            return
        self.claims[name] = value
        self.origins[name] = ClaimOrigin.of_action(action)

    @property
    def too_large(self) -> bool:
        custom = {k: v for k, v in self.claims.items() if self.origins[k].action is not None}
        return payload_size(custom) > PAYLOAD_LIMIT

    def apply_actions(self, exchange: Exchange, time_limit: float) -> ActionRefusal | None:
        """Two things at once, both the authority's and Preview's: adds to this token
        the claims an exchange's Actions set (those Auth0's rules allow), and returns
        the refusal the exchange makes of the token request (a denial, a throw, a
        timeout, claims over the limit), or None."""
        base = dict(self.claims)
        for run in exchange.runs:
            for name, value in run.claims:
                self.add_custom(name, value, run.name, base)
            if run.deny is not None:
                denied = Refusal.ACTION_DENIED
                return ActionRefusal(run.name, run.deny[0], run.deny[1], True, denied)
            if run.timed_out:
                said = f"Action {run.name} did not finish within the flow's {time_limit:g} s"
                return ActionRefusal(run.name, "server_error", said, rule=Refusal.ACTION_TIMED_OUT)
            if run.error is not None:
                where = place(run)
                said = f"Action {run.name} failed: {run.error}" + (f" ({where})" if where else "")
                return ActionRefusal(run.name, "server_error", said)
        if self.too_large:
            said = "The Actions' custom claims are over Auth0's 100 KB limit"
            return ActionRefusal("", "server_error", said, rule=Refusal.CLAIMS_TOO_LARGE)
        return None


@dataclass(frozen=True)
class ActionRefusal:
    """A token request the bound Actions refuse: by api.access.deny (`denied`, with the
    Action's own code and reason) or by failing (server_error)."""

    action: str
    error: str
    description: str
    denied: bool = False
    rule: Refusal = Refusal.ACTION_FAILED  # its code, for the rule book (rules/issuance.py)


def permissions_in(api: Api) -> bool:
    return api.enforce_policies and api.token_dialect in AUTHZ


def shape(
    issuer: str,
    client_id: str,
    api: Api,
    scopes: list[str],
    now: int,
    jti: str,
    organization: tuple[str, str] | None = None,
    cnf: dict | None = None,
) -> Shaped:
    """The token's header and claims before any Action, each with its origin."""
    dialect = api.token_dialect
    claims: dict = {}
    origins: dict[str, ClaimOrigin] = {}

    def put(name: str, value: object, origin: str) -> None:
        claims[name] = value
        origins[name] = ClaimOrigin(origin)

    put("iss", issuer, "the authorization server")
    put("sub", f"{client_id}@clients", "the client (Auth0 adds @clients)")
    put("aud", api.identifier, "the API asked for (audience)")
    put("iat", now, "the time of issue")
    put("exp", now + api.token_lifetime, f"the API's token lifetime ({api.token_lifetime} s)")
    put("jti", jti, "the authorization server (a token id)")
    put("gty", "client-credentials", "the grant type")
    if scopes:
        put("scope", " ".join(scopes), "the grant's scopes")
    if organization is not None:
        put("org_id", organization[0], "the organization named in the request")
        put("org_name", organization[1], "the organization named in the request")
    if cnf is not None:
        put("cnf", cnf, "the key or certificate the token is bound to")
    header = {"typ": "JWT"}
    if dialect in RFC9068_DIALECTS:
        header["typ"] = "at+jwt"  # RFC 9068 §2.1
        put("client_id", client_id, f"the dialect ({dialect})")
    else:
        put("azp", client_id, f"the dialect ({dialect})")
    if permissions_in(api):
        put("permissions", list(scopes), f"the dialect ({dialect}) with RBAC on")
    return Shaped(header, claims, origins)


def dialect_of(header: dict, claims: dict) -> str | None:
    """Which Auth0 dialect a token looks made by (None for one that fits none)."""
    rfc9068 = str(header.get("typ", "")).lower() in ("at+jwt", "application/at+jwt")
    if rfc9068 and "client_id" in claims:
        base = Dialect.RFC9068_PROFILE
    elif "azp" in claims or "gty" in claims:
        base = Dialect.ACCESS_TOKEN
    else:
        return None
    return Dialect(base + "_authz") if isinstance(claims.get("permissions"), list) else base
