"""`m2m-tui diagnose` as a script uses it: exit codes, JSON, stdin, errors."""

from __future__ import annotations

import json

from tests.conftest import run_cli
from tests.tui.conftest import write_config


def run(tmp_path, *args, stdin: str | None = None):
    return run_cli(tmp_path, "diagnose", *args, stdin=stdin)


def test_accepted_exits_0_with_stable_json(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    result = run(tmp_path, "--json", "/api/directions?destination=Seattle")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["verdict"] == "accepted" and body["failed"] == []
    assert [c["name"] for c in body["checks"]][:4] == ["format", "alg", "kid", "signature"]
    assert set(body["checks"][0]) == {"name", "ok", "detail", "fix"}
    assert body["server"]["status"] == 200


def test_rejected_exits_1_with_a_readable_checklist(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    result = run(tmp_path, "/api/location/geocode?address=Paris")
    assert result.returncode == 1
    assert "REJECTED" in result.stdout and "✗ scope" in result.stdout
    assert "fix: Grant `geocode:location`" in result.stdout
    assert "server: 403" in result.stdout


def test_token_from_stdin(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    token = shared_stack.token()
    result = run(
        tmp_path, "--token", "-", "--json", "/api/directions?destination=Paris", stdin=token + "\n"
    )
    assert result.returncode == 0 and json.loads(result.stdout)["verdict"] == "accepted"
    garbage = run(tmp_path, "--token", "-", "--json", "/api/directions", stdin="garbage")
    assert garbage.returncode == 1
    assert json.loads(garbage.stdout)["failed"] == ["format"]


def test_api_down_exits_2(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, "http://127.0.0.1:9")
    result = run(tmp_path, "--token", "x.y.z", "/api/directions")
    assert result.returncode == 2
    assert "cannot connect" in result.stderr and "Traceback" not in result.stderr


def test_usage_error_exits_2(tmp_path):
    result = run(tmp_path)
    assert result.returncode == 2 and "ENDPOINT" in result.stderr
