"""`serve --require-claim NAME[=VALUE]`: the World Mappers API refuses a token without
the claim, says so in its RFC 9728 metadata, and the diagnosis reads the same rule from
there (one rule book) and names an Action as the fix."""

from __future__ import annotations

import json

import httpx

from tests.conftest import admin_client, run_cli
from tests.helpers.actions import deployed
from tests.helpers.serve_process import start, stop
from tests.helpers.sessions import write_config

TIER = """exports.onExecuteCredentialsExchange = async (event, api) => {
  api.accessToken.setCustomClaim("https://worldmappers.example/tier", "%s");
};"""
CLAIM = "https://worldmappers.example/tier"


def test_the_api_requires_the_claim_and_the_diagnosis_says_how_to_add_it(tmp_path):
    proc, found = start(tmp_path, "--require-claim", f"{CLAIM}=gold")
    cli = tmp_path / "cli"
    cli.mkdir()
    try:
        issuer, api = found["issuer"], found["api"].rstrip("/")
        meta = httpx.get(api + "/.well-known/oauth-protected-resource").json()
        assert meta["required_claims"] == [{"name": CLAIM, "value": "gold"}]
        write_config(cli / "config.toml", issuer, api)

        def diagnosis() -> dict:
            run_cli(cli, "token", "--forget")
            answer = run_cli(cli, "diagnose", "/api/directions", "--json")
            assert answer.returncode == 1, answer.stdout + answer.stderr
            return json.loads(answer.stdout)

        missing = diagnosis()
        assert missing["verdict"] == "rejected" and missing["rule"] == "claim_required"
        check = next(c for c in missing["checks"] if c["name"] == "required claims")
        assert check["code"] == "claim_required" and "setCustomClaim" in check["fix"]
        admin = admin_client(issuer)
        deployed(admin, "Silver", TIER % "silver")
        check = next(c for c in diagnosis()["checks"] if c["name"] == "required claims")
        assert check["code"] == "claim_value" and "'silver'" in check["detail"]
        admin.patch("/actions/triggers/credentials-exchange/bindings", json={"bindings": []})
        deployed(admin, "Gold", TIER % "gold")
        run_cli(cli, "token", "--forget")
        ok = run_cli(cli, "call", "/api/directions")
        assert ok.returncode == 0, ok.stdout + ok.stderr
    finally:
        stop(proc)
