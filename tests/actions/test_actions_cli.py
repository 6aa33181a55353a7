"""`m2m-tui actions` and `m2m-tui preview` as a user runs them: write an Action file,
test it, deploy and bind it; Preview then shows the claim (set by that Action) and the
API's verdict; the next token carries it. A denying Action is previewed as a denial."""

from __future__ import annotations

import json

import jwt

from tests.conftest import run_cli
from tests.helpers.sessions import write_config

TIER = """exports.onExecuteCredentialsExchange = async (event, api) => {
  console.log("tier for", event.client.client_id, event.secrets.TIER_KEY || "(no key)");
  api.accessToken.setCustomClaim("https://worldmappers.example/tier", "gold");
  api.accessToken.setCustomClaim("permissions", ["everything"]);
};"""
# Only Gift Deliveries: at Auth0 the trigger runs for Management API tokens too, and an
# Action that denies every client locks the management profile out as well.
DENY = """exports.onExecuteCredentialsExchange = async (event, api) => {
  if (event.resource_server.identifier === "urn:worldmappers") {
    api.access.deny("invalid_request", "paused for the holidays");
  }
};"""
CLAIM = "https://worldmappers.example/tier"


def cli(tmp_path, stack):
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    return lambda *args: run_cli(tmp_path, *args, env={"MY_KEY": "k1"})


def test_write_test_deploy_bind_preview_and_the_next_token(tmp_path, stack):
    m2m = cli(tmp_path, stack)
    (tmp_path / "tier.js").write_text(TIER)
    tested = m2m("actions", "test", str(tmp_path / "tier.js"), "--secret-env", "TIER_KEY=MY_KEY")
    assert tested.returncode == 0, tested.stderr
    assert f'+ {CLAIM} = "gold"' in tested.stdout
    assert "permissions left out: permissions is a claim Auth0 sets itself" in tested.stdout
    assert "log: tier for giftdeliveries k1" in tested.stdout
    assert "the tenant's grant" in tested.stdout
    # Nothing was deployed by the test.
    assert "no Actions yet" in m2m("actions", "list").stderr

    before = json.loads(m2m("preview", "--json").stdout)
    assert CLAIM not in {c["name"] for c in before["claims"]}

    deployed = m2m("actions", "deploy", str(tmp_path / "tier.js"), "--bind")
    assert deployed.returncode == 0, deployed.stderr
    assert "deployed tier as version 1" in deployed.stdout and "bound tier" in deployed.stdout
    listed = m2m("actions", "list")
    assert "tier  deployed v1  bound #1" in listed.stdout

    after = json.loads(m2m("preview", "--json").stdout)
    claims = {c["name"]: c for c in after["claims"]}
    assert claims[CLAIM] == {"name": CLAIM, "value": "gold", "from": "Action tier"}
    assert claims["scope"]["from"] == "the grant's scopes"
    assert after["actions"] == ["tier"] and after["issued"] is True
    assert after["left_out"][0]["name"] == "permissions"
    assert any("write-only" in n for n in after["notes"]) is False  # no secrets declared
    verdicts = {v["path"]: v for v in after["verdicts"]}
    assert verdicts["/api/directions"]["accepted"] is True
    assert verdicts["/api/location/geocode"]["code"] == "scope_missing"
    shown = m2m("preview")
    assert "Action tier" in shown.stdout and "✓ GET /api/directions" in shown.stdout

    token = m2m("token", "--no-cache").stdout.strip()
    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload[CLAIM] == "gold" and "permissions" not in payload

    unbound = m2m("actions", "unbind", "tier")
    assert "unbound tier" in unbound.stdout
    assert "tier  deployed v1  not bound" in m2m("actions", "list").stdout


def test_a_denying_action_is_previewed_and_refuses_the_token(tmp_path, stack):
    m2m = cli(tmp_path, stack)
    (tmp_path / "pause.js").write_text(DENY)
    tested = m2m("actions", "test", str(tmp_path / "pause.js"))
    assert "denies the token: invalid_request: paused for the holidays" in tested.stdout
    assert m2m("actions", "deploy", str(tmp_path / "pause.js"), "--bind").returncode == 0
    previewed = m2m("preview", "--json")
    assert previewed.returncode == 1
    found = json.loads(previewed.stdout)
    assert found["issued"] is False and found["verdicts"] == []
    assert found["refusal"]["error"] == "invalid_request"
    assert "denied by Action pause" in found["refusal"]["error_description"]
    refused = m2m("token", "--no-cache")
    assert refused.returncode == 1 and "paused for the holidays" in refused.stderr
    assert "A credentials-exchange Action denied the token" in refused.stderr  # the hint


def test_bad_input_is_said_plainly(tmp_path, stack):
    m2m = cli(tmp_path, stack)
    missing = m2m("actions", "test", str(tmp_path / "nope.js"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    code = "exports.onExecuteCredentialsExchange = ("
    (tmp_path / "broken.js").write_text(code)
    broken = m2m("actions", "deploy", str(tmp_path / "broken.js"))
    assert broken.returncode == 1 and "does not compile: SyntaxError" in broken.stderr
    thrown = m2m("actions", "test", str(tmp_path / "broken.js"))
    end = f"line 1, column {len(code) + 1}"  # the input ends before the code does
    assert thrown.returncode == 1 and f"✗ failed at {end}: SyntaxError" in thrown.stdout
    assert "no Action named 'ghost'" in m2m("actions", "bind", "ghost").stderr
    unset = m2m("preview", "--secret-env", "NOT_IN_THE_ENVIRONMENT")
    assert unset.returncode == 2 and "the environment has no NOT_IN_THE_ENVIRONMENT" in unset.stderr
    for output in (missing, broken, thrown):
        assert "Traceback" not in output.stderr


def test_grants_dialect_shows_and_sets_the_dialect(tmp_path, stack):
    m2m = cli(tmp_path, stack)
    shown = m2m("grants", "dialect", "urn:worldmappers")
    assert "dialect access_token (RBAC off)" in shown.stdout
    changed = m2m("grants", "dialect", "urn:worldmappers", "rfc9068_profile_authz")
    assert "dialect rfc9068_profile_authz (RBAC on)" in changed.stdout
    token = m2m("token", "--no-cache").stdout.strip()
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
    assert jwt.decode(token, options={"verify_signature": False})["permissions"] == ["directions"]
    assert m2m("grants", "dialect", "urn:nothing").returncode == 1


def test_preview_as_another_client_shows_its_refusal(tmp_path, shared_stack):
    """--client-id means what it means for token, call and diagnose: this run as another
    client. The API's own introspection client has no grant: its request would be refused."""
    m2m = cli(tmp_path, shared_stack)
    other = m2m("preview", "--client-id", "worldmappers-api", "--json")
    assert other.returncode == 1, other.stderr
    found = json.loads(other.stdout)
    assert found["client_id"] == "worldmappers-api"
    assert found["refusal"]["error"] == "access_denied"
    assert "not authorized" in found["refusal"]["error_description"]
    own = json.loads(m2m("preview", "--json").stdout)
    assert own["client_id"] == "giftdeliveries" and own["refusal"] is None
