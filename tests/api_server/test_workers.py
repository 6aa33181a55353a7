"""`serve --only api --workers N`: several uvicorn worker processes behind one port, each
with its own JWKS cache, and every one of them follows a key rotation and a revocation
within the JWKS max-age (the authority here serves max-age=1, `[server] jwks_max_age`)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.conftest import ADMIN, REPO_CONFIG, _trust, free_port, mint
from tests.helpers.processes import spawn
from tests.helpers.waiting import wait_until

CLI = [sys.executable, "-m", "m2m_tui"]
MAX_AGE = 1  # seconds; the shipped default is 5, which this test would wait out twice


class Process:
    """A serve process whose output is read as it comes (the workers' access lines)."""

    def __init__(self, *args: str) -> None:
        self.proc = spawn(
            [*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while not any(text in line for line in self.lines):
            assert self.proc.poll() is None, "".join(self.lines)
            assert time.monotonic() < deadline, f"no {text!r} in {''.join(self.lines)}"
            time.sleep(0.05)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=20)


def calls(url: str, token: str, count: int = 30) -> list[int]:
    # A new connection each time, so the kernel spreads them over the workers.
    # The CAs are loaded once (_trust): loading them per request costs ten times the call.
    return [
        httpx.get(url, headers={"Authorization": f"Bearer {token}"}, verify=_trust()).status_code
        for _ in range(count)
    ]


def both_answered(process: Process, url: str, token: str, status: int, since: int) -> bool:
    """Both workers have answered `status` since line `since`; if not yet, a few more
    calls (each must get `status`) before the next look."""
    if len(pids_answering(process, status, since)) == 2:
        return True
    assert set(calls(url, token, 5)) == {status}
    return False


def pids_answering(process: Process, status: int, since: int) -> set[str]:
    found = set()
    for line in process.lines[since:]:
        m = re.search(rf"api_server\.api\[(\d+)\] GET /api/directions {status} ", line)
        if m:
            found.add(m.group(1))
    return found


@pytest.mark.slow
def test_rotation_and_revocation_reach_every_worker_within_the_jwks_max_age(tmp_path):
    authority_port, api_port = free_port(), free_port()
    issuer = f"http://127.0.0.1:{authority_port}/"
    state = str(tmp_path / "state")
    config = tmp_path / "config.toml"
    # A worker's first JWKS fetch may wait on a machine busy with a second suite: given
    # 5 s (the default), it can time out and answer 401 for 30 s (the cooldown). What is
    # tested here is the max-age, not the fetch's patience.
    text = REPO_CONFIG.read_text().replace("jwks_max_age = 5", f"jwks_max_age = {MAX_AGE}")
    config.write_text(text.replace("fetch_timeout = 5 ", "fetch_timeout = 60"))
    assert "fetch_timeout = 60" in config.read_text()
    assert f"jwks_max_age = {MAX_AGE}" in config.read_text()
    authority = Process(
        "--config",
        str(config),
        "serve",
        "--only",
        "authority",
        "--authority-port",
        str(authority_port),
        "--state-dir",
        state,
    )
    api = None
    try:
        authority.wait_for("State:")
        api = Process(
            "--config",
            str(config),
            "serve",
            "--only",
            "api",
            "--workers",
            "2",
            "--api-port",
            str(api_port),
            "--issuer",
            issuer,
            "--state-dir",
            state,
        )
        api.wait_for("2 worker processes")
        url = f"http://127.0.0.1:{api_port}/api/directions"
        deadline = time.monotonic() + 20
        while True:  # the workers start after the port is bound
            try:
                httpx.get(f"http://127.0.0.1:{api_port}/health")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        old = mint(issuer)
        start = len(api.lines)
        first = calls(url, old)
        assert set(first) == {200}, (first, "".join(api.lines))  # the workers' own words
        # Both workers took part (their access lines are flushed in batches). The kernel
        # may hand a busy machine's connections to one worker: call on until both answer.
        wait_until(lambda: both_answered(api, url, old, 200, start), "both workers' lines")
        # Every worker refuses a DNS-rebinding Host, as the single-process API does.
        rebound = {"Authorization": f"Bearer {old}", "Host": f"evil.example:{api_port}"}
        assert {httpx.get(url, headers=rebound).status_code for _ in range(6)} == {400}

        admin = httpx.Client(
            base_url=issuer + "api/v2",
            headers={"Authorization": f"Bearer {mint(issuer, ADMIN, issuer + 'api/v2/')}"},
        )
        old_kid = admin.get("/keys/signing").json()
        old_kid = next(k["kid"] for k in old_kid if k.get("current"))
        admin.post("/keys/signing/rotate").raise_for_status()
        new = mint(issuer)
        # The new key, learned by every worker (at its next refetch, within the max-age).
        wait_until(lambda: set(calls(url, new)) == {200}, "every worker to know the new key")
        assert set(calls(url, old)) == {200}  # the old key is still published

        admin.put(f"/keys/signing/{old_kid}/revoke").raise_for_status()
        # Refused by every worker once its cache lapses (a worker that kept the revoked
        # key would never refuse, and the wait would fail saying so). Each worker must
        # be seen refusing: a run of 401s can all come from one of them, while the other,
        # its keys stale, still serves the old ones once as it refreshes behind the call.
        revoked = len(api.lines)

        def both_refuse() -> bool:
            calls(url, old, 10)
            return len(pids_answering(api, 401, revoked)) == 2

        wait_until(both_refuse, "no worker to keep the revoked key")
        start = len(api.lines)
        assert set(calls(url, old)) == {401}
        wait_until(lambda: both_answered(api, url, old, 401, start), "both workers' refusals")
        assert set(calls(url, new)) == {200}
    finally:
        if api is not None:
            assert api.stop() == 0
        authority.stop()


def test_workers_need_only_api(tmp_path):
    from tests.conftest import REPO_CONFIG, run_cli

    (tmp_path / "config.toml").write_text(REPO_CONFIG.read_text())
    result = run_cli(tmp_path, "serve", "--workers", "2")
    assert result.returncode == 2 and "--workers applies with --only api" in result.stderr
    zero = run_cli(tmp_path, "serve", "--only", "api", "--workers", "0")
    assert zero.returncode == 2 and "at least 1" in zero.stderr
