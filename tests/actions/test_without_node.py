"""Without Node.js, `serve` says that Actions need it and everything else still works;
a token request whose flow has bound Actions fails saying why, never silently without
them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx

from tests.conftest import GIFT, WORLDMAPPERS, admin_client
from tests.helpers.actions import CLAIM, deployed
from tests.helpers.processes import Child, spawn


def serve_without_node(tmp_path) -> tuple[Child, str]:
    env = {**os.environ, "M2M_TUI_NODE": str(tmp_path / "no-node-here")}
    proc = spawn(
        [sys.executable, "-m", "m2m_tui", "serve", "--only", "authority"]
        + ["--authority-port", "0", "--state-dir", str(tmp_path / "state")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    issuer = ""
    for line in proc.stdout:
        if line.startswith("Authorization server: "):
            issuer = line.split()[2]
        if line.startswith("State:"):
            break
    return proc, issuer


def test_serve_without_node_warns_and_everything_else_works(tmp_path):
    proc, issuer = serve_without_node(tmp_path)
    try:
        body = {"grant_type": "client_credentials", "client_id": GIFT[0]}
        body |= {"client_secret": GIFT[1], "audience": WORLDMAPPERS}
        assert httpx.post(issuer + "oauth/token", json=body).status_code == 200
        # Actions can still be written and deployed (not compiled: no Node to do it).
        admin = admin_client(issuer)
        deployed(admin, "Tier", CLAIM)
        refused = httpx.post(issuer + "oauth/token", json=body)
        assert refused.status_code == 500 and refused.json()["rule"] == "action_failed"
        assert "Actions need Node.js" in refused.json()["error_description"]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, warned = proc.communicate(timeout=15)
    assert "Actions need Node.js" in warned and "everything else works" in warned
