"""`m2m-tui call` drawing World Mappers' downstream hop, through the real servers
(directions by exchange and the Routes API): a success's hop read back through its Link,
a 502's from its body; stdout holds the answer alone in every mode."""

from __future__ import annotations

import json

import pytest

from tests.conftest import repo_settings, run_cli, start_stack
from tests.helpers.sessions import write_config

ROUTES = "urn:worldmappers:routes"


@pytest.fixture
def routed(tmp_path):
    running = start_stack(tmp_path / "server", repo_settings(directions_by="routes"))
    write_config(tmp_path / "config.toml", running.issuer, running.api_url)
    yield running
    running.thread.stop()


def test_a_success_draws_the_linked_hop_on_stderr_the_array_on_stdout(tmp_path, routed):
    done = run_cli(tmp_path, "call", "/api/directions", "--param", "origin=Seattle")
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout)  # the original sample's array, untouched
    assert isinstance(steps, list) and "Seattle" in steps[0]["action"]
    err = done.stderr
    assert f"Downstream hop: {ROUTES}, as the API received it" in err
    assert "✓ exchange: 200" in err and "scope routes:read" in err
    assert "world-mappers-api@clients acting for giftdeliveries@clients" in err
    routes_url = routed.thread.prepared.routes_url
    assert f"200 GET {routes_url}/api/routes?from=Seattle&to=" in err  # the query it sent
    assert '"on_behalf_of": "giftdeliveries@clients"' in err  # the Routes API's answer
    assert "eyJ" not in done.stdout + err


def test_json_and_quiet_keep_stdout_to_the_answer(tmp_path, routed):
    done = run_cli(tmp_path, "call", "/api/directions", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert isinstance(out["body"], list)
    assert out["downstream"]["api"] == ROUTES and out["downstream"]["status"] == 200
    assert out["downstream"]["exchange"]["act"] == {"sub": "world-mappers-api@clients"}
    assert "Downstream hop" not in done.stderr
    quiet = run_cli(tmp_path, "call", "/api/directions", "--quiet")
    assert quiet.returncode == 0, quiet.stderr
    assert isinstance(json.loads(quiet.stdout), list)
    assert "Downstream" not in quiet.stderr and "exchange" not in quiet.stderr


def test_a_refused_exchange_is_drawn_from_the_502s_body(tmp_path, routed):
    admin = routed.admin()
    grants = admin.get("/client-grants", params={"client_id": "world-mappers-api"}).json()
    (grant,) = [g for g in grants if g["audience"] == ROUTES]
    assert admin.delete(f"/client-grants/{grant['id']}").status_code == 204
    done = run_cli(tmp_path, "call", "/api/directions")
    assert done.returncode == 3, done.stderr  # a 5xx: the API's failure
    assert json.loads(done.stdout)["error"] == "exchange_refused"
    err = done.stderr
    assert f"Downstream hop: {ROUTES}" in err
    assert "exchange_refused: the authority refused the token exchange (403" in err
    assert "✗ exchange: 403 access_denied (rule no_client_grant)" in err
    assert "Downstream hop not shown" not in err
    json_done = run_cli(tmp_path, "call", "/api/directions", "--json")
    out = json.loads(json_done.stdout)
    assert out["body"]["downstream"]["exchange"]["rule"] == "no_client_grant"
    assert "downstream" not in out and "downstream_unavailable" not in out  # in the body


def test_the_acting_clients_own_token_at_the_routes_api_gets_the_rules_hint(tmp_path, routed):
    """`call --profile world-mappers` at the Routes API: its own token has no act, and
    the API says so by rule actor_missing. The hint is that rule's (exchange a caller's
    token), never the cache's (--forget), even with the token from the cache."""
    acting = "\n".join(
        [
            f'issuer = "{routed.issuer}"',
            'client_id = "world-mappers-api"',
            'client_secret = "world-mappers-api-local-secret"',
            f'audience = "{ROUTES}"',
            f'api_base_url = "{routed.thread.prepared.routes_url}"',
        ]
    )
    write_config(
        tmp_path / "config.toml", routed.issuer, routed.api_url, **{"world-mappers": acting}
    )
    path = "/api/routes?from=Seattle&to=Paris"
    for _ in range(2):  # the second call's token comes from the cache
        done = run_cli(tmp_path, "call", "--profile", "world-mappers", path)
        assert done.returncode != 0 and "actor_missing" in done.stdout
        assert "--forget" not in done.stderr and "came from the cache" not in done.stderr
        assert (
            "exchange the caller's token as world-mappers and call with it: "
            f"`m2m-tui call --profile gift --exchange-as world-mappers '{path}'`" in done.stderr
        ), done.stderr
