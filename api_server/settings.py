"""The bundled servers' settings: the `[server]` table of config.toml, typed and checked.

The serve command (or `python -m api_server`) hands this module the table; the servers
need nothing else from the client's configuration.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

# The dataclasses live with the primitives, where the client checks keys against them too.
from oauth_primitives.rules.closed_sets import ISSUER_SIGNS, LEEWAY, AuthMethod, Dialect
from oauth_primitives.server_table import (
    ApiSettings,
    ClientSeed,
    ExchangeProfileSeed,
    GrantSeed,
    ResourceServerSeed,
    RoutesSettings,
    ScopeSeed,
    ServerSettings,
    ThrottleSettings,
    TokenValidation,
    TrustedIssuerSeed,
    unknown_server_keys,
)
from oauth_primitives.token_exchange import SUBJECT_TOKEN_TYPES, TokenType
from oauth_primitives.token_shape import DIALECTS
from oauth_primitives.toml_reader import TomlReader, unknown_keys

TRUSTED_ISSUER_KEYS = frozenset(f.name for f in fields(TrustedIssuerSeed))

__all__ = [
    "ApiSettings",
    "ClientSeed",
    "ExchangeProfileSeed",
    "GrantSeed",
    "ResourceServerSeed",
    "RoutesSettings",
    "ScopeSeed",
    "ServerSettings",
    "SettingsError",
    "ThrottleSettings",
    "TokenValidation",
    "TrustedIssuerSeed",
    "server_settings",
]


class SettingsError(Exception):
    """A mistake in the [server] table, worded for the person who wrote it."""


def server_settings(table: dict[str, Any], source: str = "config.toml") -> ServerSettings:
    """The `[server]` table as settings; `source` names the file in error messages."""
    if not isinstance(table, dict):
        raise SettingsError(f"{source}: [server] must be a table")
    return _Reader(source).server(table)


class _Reader(TomlReader):
    """The [server] table's readers; the typed access itself is shared (oauth_primitives)."""

    error = SettingsError

    def server(self, data: dict) -> ServerSettings:
        w = "server"
        # First: `authority_prot = 7600` must not leave the servers on their defaults,
        # nor `audeince` in a grant read as "audience is required".
        self.refuse_unknown(unknown_server_keys(data))
        throttle = self.table(data, "throttle", "server.throttle")
        api = self.table(data, "api", "server.api")
        number = (int, float)
        settings = ServerSettings(
            host=self.opt(data, "host", str, w, "127.0.0.1"),
            authority_port=self.opt(data, "authority_port", int, w, 7000),
            api_port=self.opt(data, "api_port", int, w, 7001),
            routes_port=self.opt(data, "routes_port", int, w, 7002),
            throttle=ThrottleSettings(
                max_failures=self.opt(throttle, "max_failures", int, "server.throttle", 10),
                window_seconds=float(
                    self.opt(throttle, "window_seconds", number, "server.throttle", 60.0)
                ),
                address_max_failures=self.opt(
                    throttle, "address_max_failures", int, "server.throttle", 100
                ),
                address_min_clients=self.opt(
                    throttle, "address_min_clients", int, "server.throttle", 10
                ),
            ),
            api=ApiSettings(
                **self.validation(api, "server.api", ApiSettings.audience),
                dpop=self.choice(api, "dpop", ("allowed", "required"), "server.api", "allowed"),
                mtls=self.choice(api, "mtls", ("allowed", "required"), "server.api", "allowed"),
                dpop_nonce=self.opt(api, "dpop_nonce", bool, "server.api", False),
                dpop_helper=self.opt(api, "dpop_helper", bool, "server.api", True),
                validation=self.choice(
                    api, "validation", ("jwt", "introspection"), "server.api", "jwt"
                ),
                introspection_client_id=self.opt(api, "introspection_client_id", str, "server.api"),
                introspection_client_secret=self.opt(
                    api, "introspection_client_secret", str, "server.api"
                ),
                require_organization=self.opt(
                    api, "require_organization", bool, "server.api", False
                ),
                organizations=self.strings(api, "organizations", "server.api") or (),
                required_claims=self.required_claims(api),
                directions_by=self.choice(
                    api, "directions_by", ("routes", "local"), "server.api", "routes"
                ),
                exchange_client_id=self.opt(
                    api, "exchange_client_id", str, "server.api", "world-mappers-api"
                ),
                exchange_client_secret=self.opt(api, "exchange_client_secret", str, "server.api"),
                routes_url=self.opt(api, "routes_url", str, "server.api"),
                routes_audience=self.opt(
                    api, "routes_audience", str, "server.api", "urn:worldmappers:routes"
                ),
            ),
            routes=self.routes(self.table(data, "routes", "server.routes")),
            dpop_nonce=self.opt(data, "dpop_nonce", bool, w, False),
            jwks_max_age=self.jwks_max_age(data),
            resource_servers=tuple(
                self.resource_server(rs) for rs in self.items(data, "resource_servers", w)
            ),
            clients=tuple(self.client(c) for c in self.items(data, "clients", w)),
            client_grants=tuple(self.grant(g) for g in self.items(data, "client_grants", w)),
            token_exchange_profiles=tuple(
                self.exchange_profile(p) for p in self.items(data, "token_exchange_profiles", w)
            ),
        )
        return settings

    def routes(self, data: dict) -> RoutesSettings:
        w = "server.routes"
        # Given, even empty (any actor), it is what is read; absent, the default.
        actors = self.strings(data, "accepted_actors", w) if "accepted_actors" in data else None
        return RoutesSettings(
            **self.validation(data, w, RoutesSettings.audience),
            accepted_actors=RoutesSettings.accepted_actors if actors is None else actors,
            require_actor=self.opt(data, "require_actor", bool, w, True),
        )

    def validation(self, data: dict, w: str, audience: str) -> dict:
        """The keys every resource server's table holds (`TokenValidation`): read once
        here for World Mappers' and the Routes API's alike."""
        number = (int, float)
        return {
            "issuer": self.opt(data, "issuer", str, w),
            "audience": self.opt(data, "audience", str, w, audience),
            "algorithms": self.strings(data, "algorithms", w) or ISSUER_SIGNS,
            "leeway": float(self.opt(data, "leeway", number, w, LEEWAY)),
            "strict_rfc9068": self.opt(data, "strict_rfc9068", bool, w, False),
            "jwks_cache_seconds": float(self.opt(data, "jwks_cache_seconds", number, w, 600.0)),
            "jwks_cooldown_seconds": float(
                self.opt(data, "jwks_cooldown_seconds", number, w, 30.0)
            ),
            "fetch_timeout": float(self.opt(data, "fetch_timeout", number, w, 5.0)),
            "jwks_uri": self.opt(data, "jwks_uri", str, w),
        }

    def jwks_max_age(self, data: dict) -> int:
        seconds = self.opt(data, "jwks_max_age", int, "server", 5)
        if not 1 <= seconds <= 86400:
            raise self.fail("server", "jwks_max_age must be between 1 and 86400 seconds")
        return seconds

    def resource_server(self, data: dict) -> ResourceServerSeed:
        w = "server.resource_servers"
        scopes = []
        for scope in self.items(data, "scopes", w):
            scopes.append(
                ScopeSeed(
                    value=self.req(scope, "value", str, w + ".scopes"),
                    description=self.opt(scope, "description", str, w + ".scopes", ""),
                )
            )
        dialect = self.opt(data, "token_dialect", str, w, Dialect.ACCESS_TOKEN.value)
        if dialect not in DIALECTS:
            raise self.fail(w, f"token_dialect must be one of {', '.join(DIALECTS)}")
        rbac = self.opt(data, "enforce_policies", bool, w, False)
        if Dialect(dialect).needs_rbac and not rbac:
            raise self.fail(w, f"token_dialect {dialect} needs enforce_policies = true (RBAC)")
        return ResourceServerSeed(
            name=self.req(data, "name", str, w),
            identifier=self.req(data, "identifier", str, w),
            scopes=tuple(scopes),
            token_lifetime=self.opt(data, "token_lifetime", int, w, 86400),
            token_dialect=dialect,
            enforce_policies=rbac,
        )

    def required_claims(self, api: dict) -> tuple[str, ...]:
        claims = self.strings(api, "required_claims", "server.api") or ()
        for claim in claims:
            if not claim.split("=", 1)[0].strip():
                raise self.fail("server.api", f"required_claims: {claim!r} names no claim")
        return tuple(claims)

    def client(self, data: dict) -> ClientSeed:
        w = "server.clients"
        pems = self.strings(data, "public_key_pems", w)
        # A client seeded with keys authenticates with them (the token endpoint takes
        # only the method registered), unless the table says otherwise.
        default = AuthMethod.PRIVATE_KEY_JWT if pems else AuthMethod.CLIENT_SECRET_POST
        method = self.opt(data, "token_endpoint_auth_method", str, w, default)
        if method not in tuple(AuthMethod):
            raise self.fail(w, f"token_endpoint_auth_method must be one of {', '.join(AuthMethod)}")
        return ClientSeed(
            client_id=self.req(data, "client_id", str, w),
            name=self.req(data, "name", str, w),
            client_secret=self.opt(data, "client_secret", str, w),
            token_endpoint_auth_method=method,
            public_key_pems=pems,
        )

    def grant(self, data: dict) -> GrantSeed:
        w = "server.client_grants"
        return GrantSeed(
            client_id=self.req(data, "client_id", str, w),
            audience=self.req(data, "audience", str, w),
            scope=self.strings(data, "scope", w),
            all_scopes=self.opt(data, "all_scopes", bool, w, False),
        )

    def exchange_profile(self, data: dict) -> ExchangeProfileSeed:
        w = "server.token_exchange_profiles"
        kind = self.opt(data, "subject_token_type", str, w, TokenType.ACCESS_TOKEN.value)
        if kind not in SUBJECT_TOKEN_TYPES:
            raise self.fail(
                w, f"subject_token_type must be one of {', '.join(SUBJECT_TOKEN_TYPES)}"
            )
        scope_map = self.opt(data, "scope_map", dict, w, {})
        for target, held in scope_map.items():
            if not isinstance(held, list) or not all(isinstance(s, str) for s in held):
                raise self.fail(w, f"scope_map: {target} must map to a list of scopes")
        trusted = []
        for entry in self.items(data, "trusted_issuers", w):
            t = w + ".trusted_issuers"
            # Not a table of TABLES (the shipped config trusts no other issuer), so its
            # keys are checked here.
            self.refuse_unknown(unknown_keys(entry, TRUSTED_ISSUER_KEYS, f"[[{t}]]"))
            jwks = self.opt(entry, "jwks", dict, t)
            uri = self.opt(entry, "jwks_uri", str, t)
            if (jwks is None) == (uri is None):
                raise self.fail(t, "a trusted issuer needs its keys: jwks or jwks_uri (one)")
            trusted.append(TrustedIssuerSeed(self.req(entry, "issuer", str, t), uri, jwks))
        return ExchangeProfileSeed(
            name=self.req(data, "name", str, w),
            client_ids=self.strings(data, "client_ids", w),
            audiences=self.strings(data, "audiences", w),
            subject_token_type=kind,
            scope_map={k: tuple(v) for k, v in scope_map.items()},
            trusted_issuers=tuple(trusted),
        )
