"""Starting the bundled server in the background when a profile points at it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from m2m_tui.config import Config, Profile
from m2m_tui.paths import ensure_private_dir


def points_at_bundled(profile: Profile, config: Config) -> bool:
    parts = urlsplit(profile.issuer)
    return (
        parts.hostname in ("127.0.0.1", "localhost") and parts.port == config.server.authority_port
    )


def listening(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass
class LocalServer:
    process: subprocess.Popen
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


class StartFailed(Exception):
    pass


def start_bundled(config: Config, state_dir: Path, wait: float = 20.0) -> LocalServer:
    """Run `m2m-tui serve` as a child process and wait until both ports listen."""
    ensure_private_dir(state_dir)
    log_path = state_dir / "serve.log"
    log = open(log_path, "ab")  # noqa: SIM115 (the child keeps it)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "m2m_tui",
            "--config",
            str(config.path),
            "serve",
            "--state-dir",
            str(state_dir),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    log.close()
    server = LocalServer(process, log_path)
    deadline = time.monotonic() + wait
    ports = (config.server.authority_port, config.server.api_port)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-1:]
            raise StartFailed(f"the bundled server exited: {' '.join(tail)} (log: {log_path})")
        if all(listening("127.0.0.1", p) for p in ports):
            return server
        time.sleep(0.1)
    server.stop()
    raise StartFailed(f"the bundled server did not start within {wait:g} s (log: {log_path})")
