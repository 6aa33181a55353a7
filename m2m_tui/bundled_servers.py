"""Starting the bundled server in the background when a profile points at it, and
sharing it between the apps that use one state folder."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from m2m_tui.config.file import Config
from m2m_tui.config.profile import Profile
from oauth_primitives.discovery import metadata_urls
from oauth_primitives.private_files import ensure_private_dir


def points_at_bundled(profile: Profile, config: Config) -> bool:
    if profile.bundled:  # true or "https"
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


def serve_tls_advice(profile: Profile, config: Config) -> str | None:
    """For a `bundled = "https"` profile, which the app never starts a server for (it
    starts one on plain HTTP): the command that serves it; else None."""
    if profile.bundled != "https":
        return None
    return (
        f'Profile {profile.name} says bundled = "https": the bundled server over TLS, on '
        f"{config.server.urls(https=True)[0]}, which m2m-tui does not start by itself. Start "
        "it with `m2m-tui serve --tls both` (the same --config and --state-dir)."
    )


def listening(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def issuer_complaint(
    issuer: str, timeout: float = 2.0, state_dir: Path | None = None, bundled: bool = False
) -> str | None:  # None: all is well
    """None when `issuer` answers as an authorization server (discovery is JSON naming
    an issuer); otherwise a sentence naming what does answer there: the program holding
    the port where this machine says, else the status and content type it sent; for a
    server that speaks HTTPS where the profile says http://, the settings that reach it
    (`bundled`: the profile says bundled = true)."""
    import httpx

    from m2m_tui.transcript import speaks_tls

    url = metadata_urls(issuer)[0]
    port = urlsplit(issuer).port
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=False)
    except httpx.TimeoutException:
        what = f"it did not answer an HTTP request within {timeout:g} s"
    except httpx.HTTPError as exc:
        if speaks_tls(issuer):
            return tls_advice(issuer, port, state_dir, bundled)
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


def tls_advice(issuer: str, port: int | None, state_dir: Path | None, bundled: bool = False) -> str:
    """The profile settings that reach a server speaking HTTPS at an http:// issuer: for a
    bundled = true profile, bundled = "https"; else an https:// issuer and a ca_file."""
    program = listener_of(port) if port else None
    holder = f"{program} serves" if program else "the server there serves"
    ca = state_dir / "tls" / "ca.pem" if state_dir else None
    made = ca is not None and ca.exists()
    said = (
        f"The profile's issuer {issuer} speaks HTTPS, not plain HTTP: {holder} TLS on port "
        f"{port} (the bundled server does after `m2m-tui serve --tls`)."
    )
    if bundled:
        trusted = f"{ca}, the CA `serve --tls` made" if made else "<state-dir>/tls/ca.pem"
        return (
            f'{said} To use it, write bundled = "https" in the profile in place of bundled = '
            "true: its issuer and api_base_url then follow [server] over HTTPS, and ca_file "
            f"defaults to {trusted}; or stop it and let the app start the bundled server on "
            "plain HTTP."
        )
    https = "https://" + issuer.split("://", 1)[1]
    trust = (
        f'ca_file = "{ca}" (the CA `serve --tls` made there)'
        if made
        else "ca_file naming the CA that signed its certificate (`serve --tls` makes "
        "<state-dir>/tls/ca.pem)"
    )
    return (
        f'{said} To use it, give the profile issuer = "{https}" (and api_base_url = '
        f'"https://…" for the API) and {trust}; or stop it and let the app start the '
        "bundled server on plain HTTP."
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
    detached: bool = False,
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
        # Detached, a server other apps use is out of its starter's process group: the
        # Ctrl-C or hang-up that ends that app's terminal does not reach it.
        start_new_session=detached,
    )
    log.close()
    return LocalServer(process, log_path)


def wait_until_answering(server: LocalServer, config: Config, wait: float = 20.0) -> LocalServer:
    """`server` once both parts answer; StartFailed (naming any port's holder) else."""
    process, log_path = server.process, server.log_path
    deadline = time.monotonic() + wait
    server_table = config.server
    ports = (server_table.authority_port, server_table.api_port, server_table.routes_port)
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
        if all(listening("127.0.0.1", p) for p in ports) and _answers(*ports[:2]):
            return server
        time.sleep(0.02)  # the user waits on this loop: poll often
    server.stop()
    raise StartFailed(f"the bundled server did not start within {wait:g} s (log: {log_path})")


# --- one bundled server for every app on a state folder ----------------------------------
# The apps on one state folder share one server: the first starts it under a lock in the
# folder (a second app waits on the lock, then finds it answering), each app holds a
# lease while it uses it, and the last one out stops it. A server nobody started this
# way (`m2m-tui serve` by hand) has no pid file and is never stopped.
LOCK_FILE = "bundled-server.lock"
PID_FILE = "bundled-server.pid"
LEASES = "bundled-server-users"


@contextlib.contextmanager
def start_lock(state_dir: Path) -> Iterator[None]:
    """Exclusive across processes (flock): held around "is it there, else start it and wait
    until it answers", and around leaving, so that no app ever sees half of either."""
    import fcntl

    ensure_private_dir(state_dir)
    path = state_dir / LOCK_FILE
    with open(path, "a+") as handle:
        os.chmod(path, 0o600)
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's: alive
    # A child that exited but was not yet waited for is a zombie: not a user any more.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def _serves(pid: int, state_dir: Path) -> bool:
    """`pid` is a bundled server on `state_dir` (not a process that took its pid since)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return _alive(pid)  # no /proc here: trust the pid file
    return b"api_server" in argv and str(state_dir).encode() in argv and _alive(pid)


def _recorded_server(state_dir: Path) -> int | None:
    """The pid of the shared server on `state_dir`, while it runs; else None."""
    try:
        pid = int((state_dir / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _serves(pid, state_dir) else None


def _live_leases(state_dir: Path) -> list[Path]:
    """The leases of apps still running; those of apps that died unannounced are removed."""
    folder = state_dir / LEASES
    live = []
    for lease in folder.iterdir() if folder.is_dir() else ():
        pid = lease.name.split("-", 1)[0]
        if pid.isdigit() and _alive(int(pid)):
            live.append(lease)
        else:
            lease.unlink(missing_ok=True)
    return live


@dataclass
class SharedServer:
    """The bundled server as one of its users holds it. `stop()` gives up this user's
    lease, and stops the server when no other app holds one."""

    state_dir: Path
    pid: int
    log_path: Path
    started: bool  # this app started it (else it joined one another app started)
    process: subprocess.Popen | None = None  # when this app started it
    lease: Path = field(init=False)

    def __post_init__(self) -> None:
        folder = ensure_private_dir(self.state_dir / LEASES)
        self.lease = folder / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.lease.write_text(str(self.pid))

    def users(self) -> int:
        with start_lock(self.state_dir):
            return len(_live_leases(self.state_dir))

    def stop(self) -> None:
        with start_lock(self.state_dir):
            self.lease.unlink(missing_ok=True)
            if _live_leases(self.state_dir) or not _serves(self.pid, self.state_dir):
                self._reap()
                return  # others use it still, or it is gone already
            os.kill(self.pid, signal.SIGTERM)
            # Gone, not merely leaving: its ports are free once this returns. (Exiting, its
            # /proc cmdline empties before the pid goes: alive is what to wait on.)
            deadline = time.monotonic() + 5
            while not self._reap() and _alive(self.pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            if not self._reap() and _alive(self.pid):
                os.kill(self.pid, signal.SIGKILL)
                if self.process is not None:
                    self.process.wait(timeout=5)
            (self.state_dir / PID_FILE).unlink(missing_ok=True)

    def _reap(self) -> bool:
        """Whether our own child has exited (waited for: no zombie is left)."""
        return self.process is not None and self.process.poll() is not None


def join_bundled(config: Config, state_dir: Path, wait: float = 20.0) -> SharedServer | None:
    """The shared bundled server on `state_dir`: the one running (its pid file says so and
    both parts answer), else one started now and waited for. None when the port answers
    but not for a server an app started (`m2m-tui serve` by hand, or another program):
    that one is the user's to stop, and the caller checks what it is. StartFailed when
    the server cannot start."""
    ports = (config.server.authority_port, config.server.api_port)
    with start_lock(state_dir):
        running = _recorded_server(state_dir)
        if running is not None and _answers(*ports):
            return SharedServer(state_dir, running, state_dir / "serve.log", started=False)
        if listening("127.0.0.1", ports[0]):
            return None
        server = wait_until_answering(spawn_bundled(config, state_dir, detached=True), config, wait)
        (state_dir / PID_FILE).write_text(str(server.process.pid))
        return SharedServer(
            state_dir, server.process.pid, server.log_path, started=True, process=server.process
        )
