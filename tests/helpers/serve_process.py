"""`m2m-tui serve` as a process, the way a user starts it: on free ports, its addresses
read from what it prints, stopped with SIGTERM as Ctrl-C would."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers.processes import Child, spawn

CLI = [sys.executable, "-m", "m2m_tui"]


def start(tmp_path: Path, *args: str) -> tuple[Child, dict[str, str]]:
    proc = spawn(
        [
            *CLI,
            "serve",
            "--state-dir",
            str(tmp_path / "state"),
            "--authority-port",
            "0",
            "--api-port",
            "0",
            "--routes-port",
            "0",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    found: dict[str, str] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if m := re.match(r"Authorization server: (\S+)", line):
            found["issuer"] = m.group(1)
        if m := re.match(r"World Mappers API:\s+(\S+)", line):
            found["api"] = m.group(1)
        if m := re.match(r"Routes API:\s+(\S+)", line):
            found["routes"] = m.group(1)
        if m := re.match(r"TLS on .*: trust the local CA at (\S+)", line):
            found["ca"] = m.group(1)
            found["tls"] = line
        if line.startswith("State:"):
            return proc, found
    proc.kill()
    raise AssertionError(f"serve did not start: {found} {proc.stdout.read()}")


def stop(proc: Child) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0
    return out
