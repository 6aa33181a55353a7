"""The Actions runner itself (actions_runtime): a few Node.js processes, kept,
serve every exchange however many come together; one stuck in an endless loop is killed
and replaced; and a clear word when Node.js is missing."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

import pytest

from actions_runtime import runner
from actions_runtime.runner import ActionSource, NodeMissing, run_actions
from oauth_primitives.action_runs import Exchange
from oauth_primitives.token_shape import Api, shape

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
    assert await run_actions([], {}) == Exchange([])  # nothing to run, no Node needed


def throwing(name: str, body: str) -> ActionSource:
    return ActionSource(name, f"exports.onExecuteCredentialsExchange = async () => {{ {body} }};")


async def test_an_action_that_throws_the_old_timeout_word_is_a_throw_with_its_message():
    """runner.js says a timeout in a field of its own: no message an Action throws (the
    word it once used for it, or the vm's own timeout code) passes for one."""
    liar = throwing("liar", "throw new Error('__timeout__');")
    faker = throwing(
        "faker", "const e = new Error('late'); e.code = 'ERR_SCRIPT_EXECUTION_TIMEOUT'; throw e;"
    )
    for action, said in ((liar, "Error: __timeout__"), (faker, "Error: late")):
        run = (await run_actions([action, SLOW], {"n": 1})).runs
        assert [(r.name, r.error, r.timed_out) for r in run] == [(action.name, said, False)]
    shaped = shape("https://issuer/", "c", Api("urn:api"), [], 0, "j")
    refusal = shaped.apply_actions(await run_actions([liar], {}), time_limit=20)
    where = f"line 1, column {liar.code.index('new Error') + 1}"  # the Action's own code
    assert refusal.description == f"Action liar failed: Error: __timeout__ ({where})"


async def test_an_action_out_of_time_is_timed_out_whichever_clock_stops_it():
    waiter = ActionSource(
        "waiter", "exports.onExecuteCredentialsExchange = () => new Promise(() => {});"
    )
    spinner = throwing("spinner", "while (true) {}")  # stopped by the vm, before any await
    for action in (waiter, spinner):
        run = (await run_actions([action, SLOW], {"n": 1}, time_limit=0.5)).runs
        assert [(r.name, r.error, r.timed_out) for r in run] == [(action.name, None, True)]


def test_importing_the_runtime_starts_no_pool():
    """The pool (its threads, its exit hook, its Node.js processes) is made by the first
    exchange, not by an import: a front end that never runs an Action pays nothing."""
    code = (
        "import threading, actions_runtime.runner as r, api_server.authority.authority, "
        "m2m_tui.preview.next_token; print(r._pool is None, threading.active_count())"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert shown.stdout.split() == ["True", "1"], shown.stderr
