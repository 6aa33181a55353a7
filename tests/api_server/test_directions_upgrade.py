"""Installs made before token exchange (#49): a config without World Mappers' exchange
client, or a tenant seeded without it, still answer directions (computed in-process,
serve saying why), and an old tenant gains the exchange's seed when the config names it."""

from __future__ import annotations

from dataclasses import replace

from tests.conftest import repo_settings, start_stack

ROUTES = "urn:worldmappers:routes"
EXCHANGER = "world-mappers-api"


def old_settings(**api):
    """The [server] table as config.toml had it before #49: no Routes API, no
    world-mappers-api client, grant or profile, no exchange_client_secret."""
    settings = repo_settings(directions_by="routes")
    return replace(
        settings,
        api=replace(settings.api, exchange_client_secret=None, **api),
        resource_servers=tuple(r for r in settings.resource_servers if r.identifier != ROUTES),
        clients=tuple(c for c in settings.clients if c.client_id != EXCHANGER),
        client_grants=tuple(g for g in settings.client_grants if g.client_id != EXCHANGER),
        token_exchange_profiles=(),
    )


def _lines(stack) -> str:
    return "\n".join(stack.thread.prepared.lines)


def test_an_old_config_answers_directions_locally_and_says_why(tmp_path):
    stack = start_stack(tmp_path / "state", old_settings())
    try:
        answer = stack.call("/api/directions", stack.token(), origin="Seattle")
        assert answer.status_code == 200, answer.text
        assert "link" not in answer.headers  # no downstream hop: computed here
        assert isinstance(answer.json(), list)
        said = _lines(stack)
        assert "exchange_client_secret" in said
        assert 'directions_by = "local"' in said
    finally:
        stack.thread.stop()


def test_an_old_tenant_gains_the_exchange_seed_and_directions_go_by_exchange(tmp_path):
    state = tmp_path / "state"
    old = start_stack(state, old_settings())
    assert old.authority.tenant.clients.get(EXCHANGER) is None
    old.thread.stop()

    stack = start_stack(state, repo_settings(directions_by="routes"))
    try:
        tenant = stack.authority.tenant
        assert tenant.clients.get(EXCHANGER) is not None
        assert tenant.resource_servers.get(ROUTES) is not None
        assert tenant.grants.for_client(EXCHANGER, ROUTES).scope == ["routes:read"]
        assert [p.client_ids for p in tenant.exchange_profiles.all()] == [[EXCHANGER]]
        answer = stack.call("/api/directions", stack.token(), origin="Seattle")
        assert answer.status_code == 200, answer.text
        assert answer.headers["link"]  # the downstream hop: by exchange
        assert "World Mappers computes directions itself" not in _lines(stack)
    finally:
        stack.thread.stop()


def test_the_upgrade_runs_once_and_a_tenant_without_the_client_goes_local(tmp_path):
    """What the user deletes after the upgrade stays deleted; serve then says so."""
    state = tmp_path / "state"
    first = start_stack(state, repo_settings(directions_by="routes"))
    with first.admin() as admin:
        assert admin.delete(f"/clients/{EXCHANGER}").status_code == 204
    first.thread.stop()

    stack = start_stack(state, repo_settings(directions_by="routes"))
    try:
        assert stack.authority.tenant.clients.get(EXCHANGER) is None
        answer = stack.call("/api/directions", stack.token(), origin="Seattle")
        assert answer.status_code == 200, answer.text
        assert "link" not in answer.headers
        assert f"the tenant holds no client {EXCHANGER}" in _lines(stack)
    finally:
        stack.thread.stop()


def test_a_user_changed_exchange_policy_is_not_overwritten(tmp_path):
    state = tmp_path / "state"
    old = start_stack(state, old_settings())
    profiles = old.authority.tenant.exchange_profiles
    profiles.create(
        name="Mine",
        subject_token_type="urn:ietf:params:oauth:token-type:access_token",
        client_ids=[EXCHANGER],
        audiences=["urn:worldmappers"],
    )
    old.thread.stop()

    stack = start_stack(state, repo_settings(directions_by="routes"))
    try:
        names = [p.name for p in stack.authority.tenant.exchange_profiles.all()]
        assert names == ["Mine"]
    finally:
        stack.thread.stop()
