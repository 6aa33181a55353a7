"""`m2m-tui diagnose` at the Routes API (#49), the real server's refusals of tokens that
were not exchanged for it: a forwarded token, and World Mappers' own token with no act.
Each is named by the rule the API answered, with the exchange that fixes it."""

from __future__ import annotations

import json

import pytest

from tests.conftest import claims, repo_settings, run_cli, signed, start_stack
from tests.helpers.sessions import write_config

ROUTES = "urn:worldmappers:routes"
WORLD_MAPPERS_API = ("world-mappers-api", "world-mappers-api-local-secret")


@pytest.fixture
def routed(tmp_path):
    running = start_stack(tmp_path / "state", repo_settings(directions_by="routes"))
    yield running
    running.thread.stop()


def diagnosed(tmp_path, stack, token: str, **profiles: str) -> dict:
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url, **profiles)
    url = stack.thread.prepared.routes_url + "/api/routes?from=Seattle&to=Auth0%20Office"
    result = run_cli(tmp_path, "diagnose", url, "--token", token, "--json")
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


def test_a_forwarded_token_is_to_be_exchanged_for_the_routes_api(tmp_path, routed):
    body = diagnosed(tmp_path, routed, routed.token())
    assert body["server"]["rule"] == "aud_mismatch" and body["rule"] == "aud_mismatch"
    aud = next(c for c in body["checks"] if c["name"] == "aud")
    assert f"Exchange it for {ROUTES}" in aud["fix"]
    assert f"m2m-tui exchange --as <the acting client's profile> --audience {ROUTES}" in aud["fix"]


def test_the_fix_names_the_profiles_whose_audience_is_the_api(tmp_path, routed):
    acting = "\n".join(
        [
            f'issuer = "{routed.issuer}"',
            'client_id = "world-mappers-api"',
            'client_secret = "world-mappers-api-local-secret"',
            f'audience = "{ROUTES}"',
        ]
    )
    body = diagnosed(tmp_path, routed, routed.token(), **{"world-mappers": acting})
    aud = next(c for c in body["checks"] if c["name"] == "aud")
    assert "`m2m-tui exchange --as world-mappers`" in aud["fix"], aud["fix"]
    assert "<the acting client's profile>" not in aud["fix"]


def test_a_token_without_act_at_the_routes_api(tmp_path, routed):
    body = diagnosed(tmp_path, routed, routed.token(WORLD_MAPPERS_API, ROUTES))
    assert body["server"]["rule"] == "actor_missing" and body["rule"] == "actor_missing"
    actor = next(c for c in body["checks"] if c["name"] == "actor")
    assert actor["ok"] is False and "world-mappers-api@clients" in actor["detail"]
    assert "instead of forwarding it" in actor["fix"]


def _scope_check(body: dict) -> dict:
    return next(c for c in body["checks"] if c["name"] == "scope")


def test_an_exchanged_token_without_the_scope_is_fixed_at_the_exchange(tmp_path, routed):
    exchanged = claims(
        routed,
        aud=ROUTES,
        scope="",
        azp="world-mappers-api",
        act={"sub": "world-mappers-api@clients"},
    )
    body = diagnosed(tmp_path, routed, signed(routed, exchanged))
    assert body["server"]["rule"] == "scope_missing"
    scope = _scope_check(body)
    assert scope["ok"] is False and "Gift Deliveries" not in scope["fix"]
    fix = scope["fix"]
    assert "the exchange decides its scope: the acting client's grant on " + ROUTES in fix
    assert "scope_map" in fix and "grant world-mappers-api (the acting client) routes:read" in fix


def test_a_forwarded_tokens_missing_scope_is_not_granted_to_its_client(tmp_path, routed):
    body = diagnosed(tmp_path, routed, routed.token())
    scope = _scope_check(body)
    assert (
        scope["ok"] is False and "this API takes only tokens issued by exchange" in scope["detail"]
    )
    fix = scope["fix"]
    assert "to Gift Deliveries" not in fix and "to giftdeliveries" not in fix
    assert fix.startswith(f"Exchange the caller's token for {ROUTES} (`m2m-tui exchange --as")
    assert "rather than granting routes:read to its client" in fix and "scope_map" in fix
