"""Seeding the tenant from `[server]` on first start, and keeping its system API current."""

from __future__ import annotations

from ..settings import (
    ClientSeed,
    ExchangeProfileSeed,
    GrantSeed,
    ResourceServerSeed,
    ServerSettings,
    TrustedIssuerSeed,
)
from .management_scopes import MANAGEMENT_API_NAME, MANAGEMENT_SCOPES, management_audience
from .models import Client, Credential, ResourceServer, Scope
from .tenant import Tenant, new_id

# Set once a tenant holds token exchange's seed (#49), or was offered it on upgrade.
EXCHANGE_SEEDED = "exchange_seeded"


def prepare_tenant(tenant: Tenant, settings: ServerSettings, issuer: str) -> None:
    """Seed once; on every start make sure keys exist and the Management API matches `issuer`."""
    audience = management_audience(issuer)
    previous = tenant.db.get_meta("management_audience")
    if previous is not None and previous != audience:
        tenant.rename_audience(previous, audience)
    system = ResourceServer(
        id=new_id("", 24).lower(),
        name=MANAGEMENT_API_NAME,
        identifier=audience,
        scopes=[Scope(v, d) for v, d in MANAGEMENT_SCOPES.items()],
        token_lifetime=86400,
        is_system=True,
    )
    existing = tenant.resource_servers.get(audience)
    if existing is None:
        tenant.resource_servers.save(system)
    else:
        _add_new_management_scopes(tenant, existing)
    tenant.db.set_meta("management_audience", audience)
    # Whether the config names World Mappers' exchange client (one written before #49
    # does not: its tenant is offered the exchange's seed once a config does).
    exchanger = settings.api.exchange_client_id
    names_exchange = any(c.client_id == exchanger for c in settings.clients)
    if tenant.db.get_meta("seeded") is None:
        _seed(tenant, settings, issuer)
        tenant.db.set_meta("seeded", "1")
    elif names_exchange and tenant.db.get_meta(EXCHANGE_SEEDED) is None:
        _add_exchange_seed(tenant, settings, issuer)
    if names_exchange:
        tenant.db.set_meta(EXCHANGE_SEEDED, "1")
    tenant.signing_keys.ensure(subject=issuer)


def _seed(tenant: Tenant, settings: ServerSettings, issuer: str) -> None:
    for rs in settings.resource_servers:
        _seed_resource_server(tenant, rs)
    for c in settings.clients:
        _seed_client(tenant, c)
    for g in settings.client_grants:
        _seed_grant(tenant, g, issuer)
    for p in settings.token_exchange_profiles:
        _seed_profile(tenant, p)


def _add_exchange_seed(tenant: Tenant, settings: ServerSettings, issuer: str) -> None:
    """A tenant seeded before token exchange (#49) gains, once, what the config names of
    it: the Routes API (`[server.api] routes_audience`), World Mappers' exchange client
    (`exchange_client_id`), that client's grants and the profiles that list it. Each only
    where absent: what the user made or changed since is never overwritten, and what they
    delete later stays deleted (the upgrade runs once)."""
    client_id = settings.api.exchange_client_id
    for rs in settings.resource_servers:
        if rs.identifier == settings.api.routes_audience:
            _seed_resource_server(tenant, rs)
    if not client_id:
        return
    for c in settings.clients:
        if c.client_id == client_id and tenant.clients.get(client_id) is None:
            _seed_client(tenant, c)
    for g in settings.client_grants:
        if g.client_id == client_id:
            _seed_grant(tenant, g, issuer)
    listing = [p for p in tenant.exchange_profiles.all() if client_id in p.client_ids]
    for p in settings.token_exchange_profiles:
        if client_id in p.client_ids and not listing:
            _seed_profile(tenant, p)


def _seed_resource_server(tenant: Tenant, rs: ResourceServerSeed) -> None:
    if tenant.resource_servers.get(rs.identifier) is not None:
        return
    tenant.resource_servers.save(
        ResourceServer(
            id=new_id("", 24).lower(),
            name=rs.name,
            identifier=rs.identifier,
            scopes=[Scope(s.value, s.description) for s in rs.scopes],
            token_lifetime=rs.token_lifetime,
            token_dialect=rs.token_dialect,
            enforce_policies=rs.enforce_policies,
        )
    )


def _seed_client(tenant: Tenant, c: ClientSeed) -> None:
    client = Client(
        client_id=c.client_id,
        name=c.name,
        token_endpoint_auth_method=c.token_endpoint_auth_method,
        credentials=[Credential(id=new_id("cred_"), pem=pem) for pem in c.public_key_pems],
    )
    if c.client_secret:
        tenant.set_secret(client, c.client_secret)
    tenant.clients.save(client)


def _seed_grant(tenant: Tenant, g: GrantSeed, issuer: str) -> None:
    audience = g.audience.replace("{issuer}", issuer)
    rs = tenant.resource_servers.get(audience)
    scope = rs.scope_values if (g.all_scopes and rs) else list(g.scope)
    if tenant.grants.for_client(g.client_id, audience) is None:
        tenant.grants.create(g.client_id, audience, scope)


def _seed_profile(tenant: Tenant, p: ExchangeProfileSeed) -> None:
    tenant.exchange_profiles.create(
        name=p.name,
        subject_token_type=p.subject_token_type,
        client_ids=list(p.client_ids),
        audiences=list(p.audiences),
        scope_map={k: list(v) for k, v in p.scope_map.items()},
        trusted_issuers=[_trusted(t) for t in p.trusted_issuers],
    )


def _trusted(t: TrustedIssuerSeed) -> dict:
    keys = {"jwks": t.jwks} if t.jwks is not None else {"jwks_uri": t.jwks_uri}
    return {"issuer": t.issuer, **keys}


def _add_new_management_scopes(tenant: Tenant, system: ResourceServer) -> None:
    """A tenant made before a Management API scope existed (the organizations' ones, say)
    gains it, and so does every grant that held all the scopes there were: that is what
    the seed's `all_scopes = true` meant."""
    had = system.scope_values
    new = [v for v in MANAGEMENT_SCOPES if v not in had]
    if not new:
        return
    system.scopes = [*system.scopes, *(Scope(v, MANAGEMENT_SCOPES[v]) for v in new)]
    tenant.resource_servers.save(system)
    for grant in tenant.grants.all(audience=system.identifier):
        if set(had) <= set(grant.scope):
            tenant.grants.update_scope(grant.id, [*grant.scope, *new])
