"""`m2m-tui serve` as an operator runs it: a real process, its output, its exit."""

from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from api_server.serve import exposure_warning, is_loopback
from tests.helpers.processes import spawn
from tests.helpers.serve_process import CLI, start, stop


def ssl_context(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


def test_serve_starts_both_servers_and_logs_one_line_per_request(tmp_path):
    proc, found = start(tmp_path)
    try:
        issuer, api = found["issuer"], found["api"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", issuer)
        token = httpx.post(
            issuer + "oauth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": "giftdeliveries",
                "client_secret": "giftdeliveries-local-secret",
                "audience": "urn:worldmappers",
            },
        ).json()["access_token"]
        answer = httpx.get(
            api + "api/directions",
            params={"destination": "Auth0 Office"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200
    finally:
        out = stop(proc)
    assert re.search(r"POST /oauth/token 200 [\d.]+ms", out)
    assert re.search(r"GET /api/directions 200 [\d.]+ms", out)
    assert "giftdeliveries-local-secret" not in out
    assert token not in out and token.split(".")[1] not in out
    state = tmp_path / "state"
    assert oct(state.stat().st_mode & 0o777) == "0o700"
    assert oct((state / "tenant.db").stat().st_mode & 0o777) == "0o600"


def test_tls_mode_serves_https_trusted_through_the_local_ca(tmp_path):
    proc, found = start(tmp_path, "--tls")
    try:
        assert found["issuer"].startswith("https://127.0.0.1:")
        ca = Path(found["ca"])
        assert ca == tmp_path / "state" / "tls" / "ca.pem"
        doc = httpx.get(
            found["issuer"] + ".well-known/openid-configuration", verify=ssl_context(ca)
        )
        assert doc.json()["issuer"] == found["issuer"]
        token = httpx.post(
            found["issuer"] + "oauth/token",
            verify=ssl_context(ca),
            json={
                "grant_type": "client_credentials",
                "client_id": "giftdeliveries",
                "client_secret": "giftdeliveries-local-secret",
                "audience": "urn:worldmappers",
            },
        ).json()["access_token"]
        # The API fetches the JWKS over HTTPS too, trusting the same CA.
        answer = httpx.get(
            found["api"] + "api/directions",
            verify=ssl_context(ca),
            params={"destination": "Auth0 Office"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200
        with pytest.raises(httpx.ConnectError):
            httpx.get(found["issuer"] + "health")  # untrusted without the CA
        key = tmp_path / "state" / "tls" / "server-key.pem"
        assert oct(key.stat().st_mode & 0o777) == "0o600"
    finally:
        stop(proc)


def test_tls_authority_is_the_original_samples_topology(tmp_path):
    # HTTPS for the token endpoint, plain HTTP for the API, in one command.
    proc, found = start(tmp_path, "--tls", "authority")
    try:
        assert found["issuer"].startswith("https://127.0.0.1:")
        assert found["api"].startswith("http://127.0.0.1:")
        ca = ssl_context(Path(found["ca"]))
        # The original client posts JSON to https://DOMAIN/oauth/token ...
        token = httpx.post(
            found["issuer"] + "oauth/token",
            verify=ca,
            json={
                "grant_type": "client_credentials",
                "client_id": "giftdeliveries",
                "client_secret": "giftdeliveries-local-secret",
                "audience": "urn:worldmappers",
            },
        ).json()["access_token"]
        assert jwt_issuer(token) == found["issuer"]
        # ... then calls http://localhost:PORT/api/directions?destination=Auth0%20Office;
        # the API fetched the JWKS over HTTPS, trusting the local CA by itself.
        port = found["api"].rsplit(":", 1)[1].strip("/")
        for host in ("localhost", "127.0.0.1", "[::1]"):
            answer = httpx.get(
                f"http://{host}:{port}/api/directions?destination=Auth0%20Office",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert answer.status_code == 200, (host, answer.text)
    finally:
        stop(proc)
    assert found["tls"].startswith("TLS on the authorization server (the API is plain HTTP)")


def jwt_issuer(token: str) -> str:
    import jwt

    return jwt.decode(token, options={"verify_signature": False})["iss"]


def test_only_authority_runs_the_authority_alone(tmp_path):
    proc, found = start(tmp_path, "--only", "authority")
    try:
        assert "issuer" in found and "api" not in found
    finally:
        stop(proc)


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


def test_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("serve", "--state-dir", str(tmp_path), "--authority-port", str(port))
    assert result.returncode == 1
    assert f"127.0.0.1:{port}" in result.stderr and "already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_config_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[server]\nhost = "127.0.0.1"\napi_port = = 7\n')
    result = run_cli("serve", "--config", str(bad), "--state-dir", str(tmp_path / "s"))
    assert result.returncode == 2
    assert str(bad) in result.stderr and "line 3" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_from_environment_variable(tmp_path):
    bad = tmp_path / "env.toml"
    bad.write_text("[server]\nauthority_port = 'seven'\n")
    result = run_cli("serve", "--state-dir", str(tmp_path / "s"), env={"M2M_TUI_CONFIG": str(bad)})
    assert result.returncode == 2
    assert 'authority_port must be a whole number, not the string "seven"' in result.stderr


def test_corrupt_database_is_reported_without_traceback(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "tenant.db").write_bytes(b"this is not a database" * 100)
    result = run_cli(
        "serve",
        "--state-dir",
        str(state),
        "--authority-port",
        "0",
        "--api-port",
        "0",
        "--routes-port",
        "0",
    )
    assert result.returncode == 1
    assert "tenant.db" in result.stderr and "corrupt" in result.stderr
    assert "Traceback" not in result.stderr


def test_state_dir_from_environment(tmp_path):
    proc = spawn(
        [*CLI, "serve", "--only", "authority", "--authority-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "M2M_TUI_STATE_DIR": str(tmp_path / "envstate")},
    )
    state_line = None
    try:
        for line in proc.stdout:
            if line.startswith("State:"):
                state_line = line
                break
    finally:
        stop(proc)
    assert state_line is not None and str(tmp_path / "envstate") in state_line
    assert (tmp_path / "envstate" / "tenant.db").exists()


def test_binding_beyond_loopback_warns(tmp_path):
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert exposure_warning("127.0.0.1") is None
    assert "WARNING" in exposure_warning("192.0.2.10")
    # For real: serve --host 0.0.0.0 (on a free port; nothing is sent beyond loopback).
    proc = spawn(
        [*CLI, "serve", "--only", "authority", "--authority-port", "0", "--host", "0.0.0.0"]
        + ["--state-dir", str(tmp_path / "s")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in proc.stdout:
            if line.startswith("State:"):
                break
    finally:
        proc.send_signal(signal.SIGTERM)
        _, warned = proc.communicate(timeout=15)
    assert "WARNING: binding 0.0.0.0, beyond loopback" in warned


def test_issuer_flag_needs_only_api(tmp_path):
    result = run_cli("serve", "--issuer", "https://x.example/", "--state-dir", str(tmp_path))
    assert result.returncode == 2 and "--only api" in result.stderr


def test_help_and_version():
    assert "serve" in run_cli("--help").stdout
    assert re.match(r"m2m-tui \d+\.\d+", run_cli("--version").stdout)
    assert "--tls" in run_cli("serve", "--help").stdout
