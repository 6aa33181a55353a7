"""The bundled servers stand alone: they start, mint and serve with m2m_tui not importable."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import httpx

from tests.conftest import REPO_CONFIG
from tests.helpers.processes import spawn

# Any `import m2m_tui…` raises ImportError in this interpreter.
BLOCKED = "import sys; sys.modules['m2m_tui'] = None; from api_server.cli import main; "


def test_servers_start_and_answer_without_m2m_tui(tmp_path):
    args = [
        "--config",
        str(REPO_CONFIG),
        "--state-dir",
        str(tmp_path / "state"),
        "--authority-port",
        "0",
        "--api-port",
        "0",
        "--routes-port",
        "0",
    ]
    proc = spawn(
        [sys.executable, "-c", BLOCKED + f"sys.exit(main({args!r}))"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        found: dict[str, str] = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "state" not in found:
            line = proc.stdout.readline()
            if not line:
                break
            if m := re.match(r"Authorization server: (\S+)", line):
                found["issuer"] = m.group(1)
            if m := re.match(r"World Mappers API:\s+(\S+)", line):
                found["api"] = m.group(1)
            if line.startswith("State:"):
                found["state"] = line
        assert "state" in found, (found, proc.stdout.read() if proc.poll() is not None else "")
        token = httpx.post(
            found["issuer"] + "oauth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": "giftdeliveries",
                "client_secret": "giftdeliveries-local-secret",
                "audience": "urn:worldmappers",
            },
        ).json()["access_token"]
        answer = httpx.get(
            found["api"] + "api/directions", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    assert proc.returncode == 0


def test_python_m_api_server_explains_itself_and_names_config_mistakes(tmp_path):
    help_text = subprocess.run(
        [sys.executable, "-m", "api_server", "--help"], capture_output=True, text=True
    )
    assert help_text.returncode == 0 and "--tls" in help_text.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text("[server]\napi_port = 'seven'\n")
    result = subprocess.run(
        [sys.executable, "-c", BLOCKED + f"sys.exit(main(['--config', {str(bad)!r}]))"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert (
        'api_port must be a whole number, not the string "seven"' in result.stderr
        and "Traceback" not in result.stderr
    )
