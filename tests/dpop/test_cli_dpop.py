"""DPoP through the CLI: token, decode, call, --print, diagnose, grants dpop, config init."""

from __future__ import annotations

import json
import shlex
import subprocess

import jwt
import pytest

from tests.conftest import run_cli
from tests.helpers.sessions import write_config


@pytest.fixture
def dpop_dir(tmp_path, dpop_stack):
    write_config(
        tmp_path / "config.toml",
        dpop_stack.issuer,
        dpop_stack.api_url,
        bound=(
            f'issuer = "{dpop_stack.issuer}"\nclient_id = "giftdeliveries"\n'
            'client_secret = "giftdeliveries-local-secret"\naudience = "urn:worldmappers"\n'
            f'api_base_url = "{dpop_stack.api_url}"\ndpop = true'
        ),
    )
    return tmp_path


def cli(folder, *args, **kw):
    return run_cli(folder, "--profile", "bound", *args, **kw)


def test_token_json_reports_the_type_and_the_keys_thumbprint(dpop_dir):
    body = json.loads(cli(dpop_dir, "token", "--json").stdout)
    assert body["token_type"] == "DPoP"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert body["dpop_jkt"] == claims["cnf"]["jkt"]
    cached = json.loads(cli(dpop_dir, "token", "--json").stdout)
    assert cached["from_cache"] and cached["dpop_jkt"] == body["dpop_jkt"]
    plain = json.loads(run_cli(dpop_dir, "token", "--json").stdout)  # the Bearer profile
    assert plain["token_type"] == "Bearer" and plain["dpop_jkt"] is None


def test_decode_explains_cnf(dpop_dir):
    token = cli(dpop_dir, "token").stdout.strip()
    shown = " ".join(cli(dpop_dir, "decode", token).stdout.split())
    assert "bound to a DPoP key (RFC 9449 §6)" in shown
    assert "a proof signed by that key is needed on every call" in shown


def test_call_sends_proofs(dpop_dir):
    for _ in range(2):
        result = cli(dpop_dir, "call", "/api/directions")
        assert result.returncode == 0, result.stderr
        assert result.stderr.startswith("200 GET")


def test_print_curl_includes_a_fresh_proof_that_works_once(dpop_dir):
    printed = cli(dpop_dir, "call", "/api/directions", "--print", "curl", "--show-secrets")
    assert "-H 'Authorization: DPoP ey" in printed.stdout and "-H 'DPoP: ey" in printed.stdout
    assert "single-use and valid for about a minute" in printed.stderr
    argv = shlex.split(printed.stdout)
    assert argv[0] == "curl"
    first = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert first.stdout.startswith("HTTP/1.1 200")
    replay = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert replay.stdout.startswith("HTTP/1.1 401") and "used before" in replay.stdout
    masked = cli(dpop_dir, "call", "/api/directions", "--print", "httpie")
    assert "Authorization:DPoP ••••••" in masked.stdout and "DPoP:ey" in masked.stdout


def test_diagnose_names_a_bound_token_sent_without_a_proof(dpop_dir):
    token = cli(dpop_dir, "token").stdout.strip()
    # The default profile has no DPoP key: it sends the bound token as Bearer.
    result = run_cli(dpop_dir, "diagnose", "--token", "-", "--json", "/api/directions", stdin=token)
    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body["failed"] == ["scheme"] and body["outcome"] == "token_refused"
    scheme = next(c for c in body["checks"] if c["name"] == "scheme")
    assert "sent as Bearer, without a proof" in scheme["detail"] and "dpop = true" in scheme["fix"]
    assert body["server"]["www_authenticate"]["scheme"] == "DPoP"


def test_diagnose_names_a_proof_from_another_key(dpop_dir, tmp_path_factory):
    token = cli(dpop_dir, "token").stdout.strip()
    other = tmp_path_factory.mktemp("other")
    (other / "config.toml").write_text((dpop_dir / "config.toml").read_text())
    result = cli(other, "diagnose", "--token", "-", "--json", "/api/directions", stdin=token)
    body = json.loads(result.stdout)
    assert result.returncode == 1 and body["failed"] == ["cnf.jkt"]
    assert body["server"]["www_authenticate"]["error"] == "invalid_dpop_proof"
    ok = json.loads(cli(dpop_dir, "diagnose", "--json", "/api/directions").stdout)
    names = [c["name"] for c in ok["checks"]]
    assert names[-11:] == [  # the proof table's order, after how the token came
        "scheme",
        "proof",
        "proof hdr",
        "proof sig",
        "htm",
        "htu",
        "nonce",
        "proof iat",
        "ath",
        "cnf.jkt",
        "jti",
    ]
    assert ok["failed"] == [] and ok["verdict"] == "accepted"


def test_grants_dpop_shows_and_sets_the_apis_requirement(tmp_path, stack):
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)

    def grants(*args):
        return run_cli(tmp_path, "grants", "--profile", "admin", "dpop", *args)

    assert "DPoP off" in grants("urn:worldmappers").stdout
    assert "DPoP required" in grants("urn:worldmappers", "required").stdout
    refused = run_cli(tmp_path, "token", "--no-cache")
    assert refused.returncode == 1 and "requires DPoP" in refused.stderr
    assert "set `dpop = true` in the profile" in refused.stderr
    assert "DPoP optional" in grants("urn:worldmappers", "optional").stdout
    assert run_cli(tmp_path, "token", "--no-cache").returncode == 0
    assert grants("urn:nope").returncode == 1
    assert grants("urn:worldmappers", "sometimes").returncode == 2


def test_config_init_says_how_providers_turn_dpop_on(tmp_path):
    (tmp_path / "config.toml").write_text("")
    for provider, words in (
        ("okta", "always demands a nonce"),
        ("auth0", "proof_of_possession"),
        ("keycloak", "Require DPoP bound tokens"),
    ):
        result = run_cli(tmp_path, "config", "init", "--provider", provider, "--name", provider)
        assert result.returncode == 0, result.stderr
        section = (tmp_path / "config.toml").read_text().split(f"[profiles.{provider}]")[1]
        assert words in section.split("[profiles.")[0]
