"""Every process a test starts ends with the test (tests/helpers/processes.py): a fixture
that fails halfway through its setup, a readiness wait cut short by pytest-timeout, a
test body that fails, and a pytest worker killed outright each leave nothing running.

Each case runs a small pytest of its own in a child process. Everything that run starts
inherits a marker in its environment, so what it left behind is found in /proc however
it was started (a peer, its children, a watchdog)."""

from __future__ import annotations

import json
import os
import signal
import sys
import uuid
from pathlib import Path

import pytest

from tests.helpers.processes import run, spawn
from tests.helpers.waiting import wait_until

REPO = Path(__file__).resolve().parent.parent
MARK = "M2M_TUI_TEST_RUN"

# Written into each inner run: the processes carrying this run's marker, but the inner
# pytest itself (a second test looks, after the first has ended).
LOOK = f'''
import json, os
from pathlib import Path

def left_running() -> list[str]:
    mark = ("{MARK}=" + os.environ["{MARK}"]).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if mark in (entry / "environ").read_bytes().split(b"\\0"):
                found.append((entry / "cmdline").read_bytes().replace(b"\\0", b" ").decode())
        except OSError:
            pass  # gone meanwhile, or a zombie already reaped
    return found

def test_afterwards_nothing_the_first_test_started_is_running(tmp_path_factory):
    left = left_running()
    Path(os.environ["LEFT_FILE"]).write_text(json.dumps(left))
    assert left == []
'''


def left_running(mark: str, groups: frozenset[int] = frozenset()) -> list[str]:
    """The command lines of live processes carrying `mark` or in one of `groups` (nginx
    clears its environment), zombies aside."""
    needle = f"{MARK}={mark}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, _, group = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
            marked = needle in (entry / "environ").read_bytes().split(b"\0")
            if state != "Z" and (marked or int(group) in groups):
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            pass
    return found


def inner(tmp_path: Path, body: str) -> tuple[list[str], dict[str, str]]:
    """`body` and the look-afterwards test as a file; the arguments that run it with the
    suite's conftest as a plugin (its hooks), and an environment carrying a new marker."""
    test_file = tmp_path / "test_inner.py"
    test_file.write_text(body + LOOK)
    args = [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:randomly"]
    args += ["-p", "no:cacheprovider", "-q", "-n", "0", "--rootdir", str(tmp_path)]
    args += ["--basetemp", str(tmp_path / "basetemp"), str(test_file)]
    env = {**os.environ, MARK: uuid.uuid4().hex, "LEFT_FILE": str(tmp_path / "left.json")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return args, env


def run_inner(tmp_path: Path, body: str) -> tuple[str, list[str], str]:
    args, env = inner(tmp_path, body)
    done = run(args, timeout=240, cwd=REPO, env=env)
    said = done.stdout + done.stderr
    assert (tmp_path / "left.json").exists(), said  # the look did run
    return said, json.loads((tmp_path / "left.json").read_text()), env[MARK]


@pytest.mark.slow
def test_a_fixture_failing_after_its_peer_started_stops_the_peer(tmp_path):
    """The mTLS fixture as written: the oidc-provider is up when nginx, the next server
    it starts, fails."""
    said, left, mark = run_inner(
        tmp_path,
        """
import tests.helpers.nginx_proxy as nginx
from tests.interop.test_mtls_provider import mtls  # noqa: F401 - the fixture under test

def refuse(*args, **kwargs):
    raise RuntimeError("nginx refused its configuration")

nginx.start_tls_edge = refuse

def test_uses_the_peers(mtls):
    pass
""",
    )
    assert "nginx refused its configuration" in said and "1 error" in said, said
    assert left == [], said
    assert left_running(mark) == []


@pytest.mark.slow
def test_a_timeout_while_waiting_for_a_peer_stops_it(tmp_path):
    """pytest-timeout ends the test while the oidc-provider is still coming up."""
    said, left, mark = run_inner(
        tmp_path,
        """
import time
import pytest
import tests.interop.conftest as interop

def never_ready(*args, **kwargs):
    time.sleep(600)

interop.wait_for = never_ready

@pytest.mark.timeout(3, method="signal")
def test_starts_a_peer(tmp_path):
    interop.start_oidc_provider(tmp_path / "peer")
""",
    )
    assert "Timeout" in said and "1 failed" in said, said
    assert left == [], said
    assert left_running(mark) == []


def test_what_a_failing_test_started_ends_with_it_children_too(tmp_path):
    """A process (and the one it started in turn) left running by a test body that
    failed before it could stop them."""
    said, left, mark = run_inner(
        tmp_path,
        """
from tests.helpers.processes import spawn

def test_starts_and_fails():
    spawn(["bash", "-c", "sleep 600 & sleep 600"])
    assert False, "failed with its processes running"
""",
    )
    assert "failed with its processes running" in said, said
    assert left == [], said
    assert left_running(mark) == []


@pytest.mark.slow
def test_a_killed_worker_leaves_no_peer_behind(tmp_path):
    """SIGKILL to the pytest process: no teardown runs; the peers' watchdogs end them."""
    ready = tmp_path / "ready"
    args, env = inner(
        tmp_path,
        f"""
import time
from pathlib import Path

def test_runs_until_killed(provider, nginx_edge):
    Path({str(ready)!r}).write_text(f"{{provider.proc.pgid}} {{nginx_edge.proc.pgid}}")
    time.sleep(600)

import pytest
from tests.interop.conftest import provider  # noqa: F401 - the session's peer
from tests.helpers.nginx_proxy import start_dropping_proxy

@pytest.fixture
def nginx_edge(provider, tmp_path):
    proxy = start_dropping_proxy(provider.issuer, tmp_path / "nginx")
    yield proxy
    proxy.stop()
""",
    )
    with spawn(args, cwd=REPO, env=env, stdout=open(tmp_path / "out", "w")) as worker:  # noqa: SIM115
        # The file exists from the moment write_text opens it, before its groups are in
        # it: wait for its content, or the groups are read as none (and nginx, which
        # clears its environment, is found by neither its mark nor its group).
        wait_until(
            lambda: (ready.exists() and ready.read_text().strip()) or worker.poll() is not None,
            "the peers up",
        )
        assert ready.exists(), (tmp_path / "out").read_text()
        groups = frozenset(int(group) for group in ready.read_text().split())
        peers = left_running(env[MARK], groups)
        assert any("oidc_provider.mjs" in p for p in peers), peers
        assert sum("nginx" in p for p in peers) >= 2, peers  # the master and its worker
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        wait_until(
            lambda: left_running(env[MARK], groups) == [], "the peers of a killed worker to end"
        )
