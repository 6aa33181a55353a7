"""The Actions runner itself (oauth_primitives.actions): a few Node.js processes, kept,
serve every exchange however many come together; one stuck in an endless loop is killed
and replaced; and a clear word when Node.js is missing."""

from __future__ import annotations

import asyncio
import threading

import pytest

from oauth_primitives.actions import runner
from oauth_primitives.actions.runner import ActionSource, NodeMissing, run_actions

SLOW = ActionSource(
    "slow",
    "exports.onExecuteCredentialsExchange = (e, api) => new Promise((ok) => setTimeout(() =>"
    " { api.accessToken.setCustomClaim('n', e.n); ok(); }, 150));",
)


async def test_a_few_node_processes_serve_every_exchange_one_at_a_time(monkeypatch):
    ask, running, most, pids = runner._Node.ask, 0, 0, set()
    lock = threading.Lock()

    def counted(node, request, deadline):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            pids.add(node.process.pid)
        try:
            return ask(node, request, deadline)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(runner._Node, "ask", counted)
    exchanges = await asyncio.gather(*(run_actions([SLOW], {"n": i}) for i in range(12)))
    assert [e.runs[0].claims for e in exchanges] == [[("n", i)] for i in range(12)]
    assert most == runner.RUNNERS_AT_ONCE
    assert len(pids) <= runner.RUNNERS_AT_ONCE  # kept, not one per exchange


async def test_a_runner_killed_for_time_is_replaced():
    spin = ActionSource(
        "spin", "exports.onExecuteCredentialsExchange = async () => { await 0; while (true) {} };"
    )
    stuck = await run_actions([spin], {}, time_limit=0.5)
    assert stuck.runs[0].timed_out and stuck.failure.name == "spin"
    after = await run_actions([SLOW], {"n": 1})
    assert after.runs[0].claims == [("n", 1)]


async def test_without_node_it_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setenv("M2M_TUI_NODE", str(tmp_path / "nothing"))
    with pytest.raises(NodeMissing, match="Actions need Node.js"):
        await run_actions([SLOW], {})
    assert await run_actions([], {}) == runner.Exchange([])  # nothing to run, no Node needed
