"""The shape of config.toml's `[server]` table: one dataclass per table, whose fields are
the keys that table may hold. The bundled servers read their settings into these
(`api_server/settings.py`); the client checks a config's keys against the same fields
when it loads it, so a typo is caught by `token` as by `serve`, and the list of known
keys cannot drift from what is read."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from oauth_primitives.rules.closed_sets import ISSUER_SIGNS, LEEWAY, AuthMethod
from oauth_primitives.toml_reader import unknown_keys

from .rules.closed_sets import Dialect


@dataclass(frozen=True)
class ScopeSeed:
    value: str
    description: str = ""


@dataclass(frozen=True)
class ResourceServerSeed:
    name: str
    identifier: str
    scopes: tuple[ScopeSeed, ...] = ()
    token_lifetime: int = 86400
    token_dialect: str = Dialect.ACCESS_TOKEN
    enforce_policies: bool = False


@dataclass(frozen=True)
class ClientSeed:
    client_id: str
    name: str
    client_secret: str | None = None
    token_endpoint_auth_method: str = AuthMethod.CLIENT_SECRET_POST
    public_key_pems: tuple[str, ...] = ()


@dataclass(frozen=True)
class GrantSeed:
    client_id: str
    audience: str  # may contain "{issuer}", filled in when the tenant is seeded
    scope: tuple[str, ...] = ()
    all_scopes: bool = False


@dataclass(frozen=True)
class TrustedIssuerSeed:
    """An external issuer whose JWTs a token exchange profile takes as subject tokens:
    its keys inline (`jwks`, a JWKS) or at `jwks_uri`."""

    issuer: str
    jwks_uri: str | None = None
    jwks: dict | None = None


@dataclass(frozen=True)
class ExchangeProfileSeed:
    """A token exchange profile (RFC 8693 policy, Auth0's shape with m2m-tui's fields):
    `client_ids` may exchange a `subject_token_type` for one of `audiences`, a target
    scope carried when the subject token holds it or one `scope_map` maps to it."""

    name: str
    client_ids: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    subject_token_type: str = "urn:ietf:params:oauth:token-type:access_token"
    scope_map: dict[str, tuple[str, ...]] = field(default_factory=dict)
    trusted_issuers: tuple[TrustedIssuerSeed, ...] = ()


@dataclass(frozen=True)
class ThrottleSettings:
    max_failures: int = 10  # per (client id, address)
    window_seconds: float = 60.0
    # A whole address is locked only by a guessing sweep: this many failures within the
    # window, across at least this many distinct client ids.
    address_max_failures: int = 100
    address_min_clients: int = 10


@dataclass(frozen=True)
class TokenValidation:
    """What every bundled resource server reads to check a JWT access token: whose, for
    which audience, signed how, and where its keys are. World Mappers' table and the
    Routes API's each hold these keys, and add their own."""

    issuer: str | None = None  # None: the bundled authority
    audience: str = "urn:worldmappers"
    algorithms: tuple[str, ...] = ISSUER_SIGNS
    leeway: float = LEEWAY
    strict_rfc9068: bool = False
    jwks_cache_seconds: float = 600.0
    jwks_cooldown_seconds: float = 30.0
    fetch_timeout: float = 5.0
    jwks_uri: str | None = None  # None: found by discovery at the issuer


@dataclass(frozen=True)
class ApiSettings(TokenValidation):
    """How the World Mappers API validates tokens: `[server.api]`."""

    audience: str = "urn:worldmappers"
    # RFC 9449: "allowed" takes DPoP and Bearer tokens; "required" refuses Bearer ones.
    dpop: str = "allowed"
    # RFC 8705 §3: "required" refuses tokens not bound to a client certificate.
    mtls: str = "allowed"
    dpop_nonce: bool = False  # demand a server nonce in every proof (§9)
    # Proof signatures checked in a helper process (resource/proof_helper.py), not on the
    # event loop; false keeps every check in the API's own process.
    dpop_helper: bool = True
    # "jwt": the API checks each token itself (signature, claims); a revoked token works
    # until its exp. "introspection": it asks the authority about each token (RFC 7662),
    # so a revocation takes effect at once, at one round trip per call. No cache.
    validation: str = "jwt"
    introspection_client_id: str | None = None  # the API's own client at the authority
    introspection_client_secret: str | None = None
    # Auth0's Organizations for M2M: refuse a token without org_id, and (when listed)
    # one for an organization not among these ids or names.
    require_organization: bool = False
    organizations: tuple[str, ...] = ()
    # Claims a token must carry: "NAME" (any value) or "NAME=VALUE" (that value), as a
    # credentials-exchange Action can add them (`serve --require-claim`).
    required_claims: tuple[str, ...] = ()
    # Directions (RFC 8693): "routes" asks the Routes API for each route, on the caller's
    # behalf, with a token exchanged at the authority as the client below; "local"
    # computes it in-process. "routes" applies only where the API's issuer is the
    # bundled authority and the Routes API is known (served here, or routes_url).
    directions_by: str = "routes"
    exchange_client_id: str | None = "world-mappers-api"
    exchange_client_secret: str | None = None
    routes_url: str | None = None  # None: the bundled Routes API, at routes_port
    routes_audience: str = "urn:worldmappers:routes"

    @property
    def claim_requirements(self) -> tuple[tuple[str, str | None], ...]:
        pairs = (c.split("=", 1) for c in self.required_claims)
        return tuple((p[0], p[1] if len(p) == 2 else None) for p in pairs)


@dataclass(frozen=True)
class RoutesSettings(TokenValidation):
    """How the Routes API validates tokens: `[server.routes]`. It serves only calls made
    on a caller's behalf (RFC 8693): a token with no act, or one whose current actor it
    does not accept, is refused."""

    audience: str = "urn:worldmappers:routes"
    accepted_actors: tuple[str, ...] = ("world-mappers-api@clients",)  # empty: any actor
    require_actor: bool = True


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    authority_port: int = 7000
    api_port: int = 7001
    routes_port: int = 7002  # the Routes API, World Mappers' downstream
    # `m2m-tui web` (the app in a browser) listens here; the servers themselves do not,
    # but the port lives with theirs so that moving them all is one table.
    web_port: int = 7010
    throttle: ThrottleSettings = field(default_factory=ThrottleSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    routes: RoutesSettings = field(default_factory=RoutesSettings)
    dpop_nonce: bool = False  # the authority demands a nonce in token-request proofs (§8)
    # How long APIs may cache the JWKS (its Cache-Control max-age): short, so that a
    # revoked key is refused within seconds, which is what a demo of revocation needs.
    jwks_max_age: int = 5
    resource_servers: tuple[ResourceServerSeed, ...] = ()
    clients: tuple[ClientSeed, ...] = ()
    client_grants: tuple[GrantSeed, ...] = ()
    token_exchange_profiles: tuple[ExchangeProfileSeed, ...] = ()


# Each table of [server], by where it sits ("server.api", "server.client_grants"), and the
# dataclass its keys are the fields of. Arrays of tables ([[server.clients]]) list one
# dataclass for each of their entries.
TABLES: dict[str, type] = {
    "server": ServerSettings,
    "server.throttle": ThrottleSettings,
    "server.api": ApiSettings,
    "server.routes": RoutesSettings,
    "server.resource_servers": ResourceServerSeed,
    "server.resource_servers.scopes": ScopeSeed,
    "server.clients": ClientSeed,
    "server.client_grants": GrantSeed,
    "server.token_exchange_profiles": ExchangeProfileSeed,
}


def keys_of(where: str) -> frozenset[str]:
    """The keys the table at `where` may hold."""
    return frozenset(f.name for f in fields(TABLES[where]))


def unknown_server_keys(data: dict, where: str = "server", table: str = "[server]") -> list[str]:
    """Every key of the `[server]` table (and of its tables, and of each entry of its
    arrays of tables) that its dataclass does not read, as `unknown_keys` words it."""
    problems = unknown_keys(data, keys_of(where), table)
    for key, value in data.items():
        inner = f"{where}.{key}"
        if inner not in TABLES:
            continue
        if isinstance(value, dict):
            problems += unknown_server_keys(value, inner, f"[{inner}]")
        elif isinstance(value, list):
            entries = [entry for entry in value if isinstance(entry, dict)]
            for number, entry in enumerate(entries, 1):
                # "[[server.clients]] #2": which entry, counted as in the file.
                named = f"[[{inner}]]" + (f" #{number}" if len(entries) > 1 else "")
                if table.startswith("[[") and table != f"[[{where}]]":
                    named += f" of {table}"  # a scope of the 2nd resource server
                problems += unknown_server_keys(entry, inner, named)
    return problems
