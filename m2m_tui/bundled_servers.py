"""Starting the bundled server in the background when a profile points at it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from m2m_tui.config.file import Config
from m2m_tui.config.profile import Profile
from oauth_primitives.discovery import metadata_urls
from oauth_primitives.private_files import ensure_private_dir


def points_at_bundled(profile: Profile, config: Config) -> bool:
    if profile.bundled:
        return True
    parts = urlsplit(profile.issuer)
    return (
        parts.hostname in ("127.0.0.1", "localhost") and parts.port == config.server.authority_port
    )


def port_advice(profile: Profile, config: Config) -> str | None:
    """When a profile's loopback issuer is not where [server] puts the bundled server, the
    setting to change (a server moved with authority_port, a profile left behind); else
    None."""
    parts = urlsplit(profile.issuer)
    if profile.bundled or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return None
    if parts.port == config.server.authority_port:
        return None
    return (
        f"If it is the bundled server: it is not on port {parts.port}, [server] puts it on "
        f"{config.server.issuer} (authority_port = {config.server.authority_port}). Set "
        f"bundled = true in profile {profile.name} (and remove its issuer and api_base_url) "
        "so that it follows [server], or point its issuer at the port the server uses."
    )


def listening(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def issuer_complaint(issuer: str, timeout: float = 2.0) -> str | None:  # None: all is well
    """None when `issuer` answers as an authorization server (discovery is JSON naming
    an issuer); otherwise a sentence naming what does answer there: the program holding
    the port where this machine says, else the status and content type it sent."""
    import httpx

    url = metadata_urls(issuer)[0]
    port = urlsplit(issuer).port
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=False)
    except httpx.TimeoutException:
        what = f"it did not answer an HTTP request within {timeout:g} s"
    except httpx.HTTPError as exc:
        what = f"it does not speak HTTP ({type(exc).__name__})"
    else:
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict) and "issuer" in body:
            return None
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        what = f"it answered HTTP {response.status_code} {kind} to discovery"
        if server := response.headers.get("server"):
            what += f" (Server: {server[:60]})"
    program = listener_of(port) if port else None
    holder = f"{program} holds port {port}" if program else f"something else holds port {port}"
    return (
        f"The profile's issuer {issuer} is not the bundled server: {holder}, and {what}. "
        f"Stop it, or move the bundled server with authority_port in [server]."
    )


def listener_of(port: int) -> str | None:
    """The program listening on a local TCP port, as "name (pid N)", where /proc says
    (Linux, and only for processes this user may see); else None."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            listening = len(fields) > 9 and fields[3] == "0A"  # TCP_LISTEN
            if listening and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if str(fd.readlink()) in inodes:
                    name = (proc / "comm").read_text().strip()
                    return f"{name} (pid {proc.name})"
        except OSError:
            continue
    return None


def _answers(authority_port: int, api_port: int) -> bool:
    """Both bundled servers answer as themselves: discovery JSON and the API's health."""
    import httpx

    try:
        with httpx.Client(timeout=1.0) as client:
            discovery = client.get(metadata_urls(f"http://127.0.0.1:{authority_port}/")[0])
            health = client.get(f"http://127.0.0.1:{api_port}/health")
            return (
                discovery.status_code == 200
                and "issuer" in discovery.json()
                and health.json() == {"status": "ok"}
            )
    except (httpx.HTTPError, ValueError, TypeError):
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


def start_bundled(
    config: Config,
    state_dir: Path,
    wait: float = 20.0,
    only: str | None = None,
    issuer: str | None = None,
) -> LocalServer:
    """Run `m2m-tui serve` as a child process and wait until its servers answer. With
    `only="api"`, the API alone, for `issuer` (the authority must already answer)."""
    server = spawn_bundled(config, state_dir, only, issuer)
    return wait_until_answering(server, config, wait)


def spawn_bundled(
    config: Config,
    state_dir: Path,
    only: str | None = None,
    issuer: str | None = None,
    tls: str | None = None,
) -> LocalServer:
    """Start `m2m-tui serve` as a child process, without waiting for it. The app calls
    this before Textual even loads, so the server's start-up overlaps the app's."""
    ensure_private_dir(state_dir)
    log_path = state_dir / "serve.log"
    log = open(log_path, "ab")  # noqa: SIM115 (the child keeps it)
    process = subprocess.Popen(
        # The servers' own entry point: what `m2m-tui serve` runs, without loading the
        # client's command line first (the user is waiting on this start-up).
        [
            sys.executable,
            "-m",
            "api_server",
            "--config",
            str(config.path),
            "--state-dir",
            str(state_dir),
            *(["--only", only] if only else []),
            *(["--issuer", issuer] if issuer else []),
            *(["--tls", tls] if tls else []),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    log.close()
    return LocalServer(process, log_path)


def wait_until_answering(server: LocalServer, config: Config, wait: float = 20.0) -> LocalServer:
    """`server` once both parts answer; StartFailed (naming any port's holder) else."""
    process, log_path = server.process, server.log_path
    deadline = time.monotonic() + wait
    ports = (config.server.authority_port, config.server.api_port)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-1:]
            holders = [f"{who} holds port {p}" for p in ports if (who := listener_of(p))]
            held = f" ({'; '.join(holders)})" if holders else ""
            raise StartFailed(
                f"the bundled server exited: {' '.join(tail)}{held} (log: {log_path})"
            )
        # Answering, not merely listening: a server that bound its first port and then
        # fails on the second (taken by another program) listens for a moment.
        if all(listening("127.0.0.1", p) for p in ports) and _answers(*ports):
            return server
        time.sleep(0.02)  # the user waits on this loop: poll often
    server.stop()
    raise StartFailed(f"the bundled server did not start within {wait:g} s (log: {log_path})")
