"""Apps started together on one state folder share one bundled server: one process
starts it, the others use it, and it outlives each app but the last one."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from m2m_tui.bundled_servers import SharedServer, join_bundled, listening
from m2m_tui.session.session import Session
from tests.helpers.processes import server_processes
from tests.helpers.sessions import local_config


def together(count: int, config, state_dir: Path) -> list[SharedServer]:
    """`count` apps asking for the bundled server at the same moment."""
    gate = threading.Barrier(count)
    servers: list = [None] * count

    def app(i: int) -> None:
        gate.wait()
        servers[i] = join_bundled(config, state_dir)

    threads = [threading.Thread(target=app, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return servers


def token_of(config, state_dir: Path) -> str | None:
    """A new token (never the cache's) for the local profile, as a fresh app gets one."""
    session = Session.open(config, state_dir)
    outcome = asyncio.run(session.get_token(force=True))
    return outcome.access_token if outcome.ok else f"{outcome.error}: {outcome.description}"


def test_apps_started_together_share_one_server_until_the_last_quits(tmp_path):
    config, authority, api = local_config(tmp_path)
    state = tmp_path / "state"
    first, second, third = together(3, config, state)
    try:
        assert sorted(s.started for s in (first, second, third)) == [False, False, True]
        assert first.pid == second.pid == third.pid
        assert server_processes(state) == [first.pid]
        assert "already in use" not in (state / "serve.log").read_text()
        for _ in range(3):
            assert token_of(config, state).count(".") == 2  # a JWT, not an error
        # The one that started it quits first: the others keep it.
        starter = next(s for s in (first, second, third) if s.started)
        others = [s for s in (first, second, third) if s is not starter]
        starter.stop()
        assert others[0].users() == 2
        assert token_of(config, state).count(".") == 2
        others[0].stop()
        assert token_of(config, state).count(".") == 2
    finally:
        for server in (first, second, third):
            server.stop()
    # The last one out stopped it.
    assert server_processes(state) == []
    assert not listening("127.0.0.1", authority) and not listening("127.0.0.1", api)


def test_an_app_that_died_holds_no_lease(tmp_path):
    import subprocess
    import sys

    config, authority, _ = local_config(tmp_path)
    state = tmp_path / "state"
    server = join_bundled(config, state)
    try:
        # An app that crashed while using it: its lease names a pid that is gone.
        gone = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        (state / "bundled-server-users" / f"{gone}-crashed").write_text(str(server.pid))
        assert server.users() == 1
    finally:
        server.stop()
    assert server_processes(state) == []
    assert not listening("127.0.0.1", authority)


def test_a_server_started_by_hand_is_used_and_never_stopped(tmp_path, stack):
    from dataclasses import replace

    config, _, _ = local_config(tmp_path)
    port = int(stack.issuer.rsplit(":", 1)[1].strip("/"))
    config = replace(config, server=replace(config.server, authority_port=port))
    assert join_bundled(config, tmp_path / "state") is None
    assert listening("127.0.0.1", port)
