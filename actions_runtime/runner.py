"""Running Actions in Node.js (runner.js) from Python: a few runner processes kept in a
pool (made on first use: importing this starts nothing), each fed one exchange at a time
(the Actions and the event), read line by line, and killed when the time is up."""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources

from oauth_primitives.action_runs import ActionRun, Exchange

# The time a trigger's Actions have in all. Auth0 gives 20 s (its Actions limits page);
# here 5 s, well under a client's usual timeout (m2m-tui's is 10 s): an Action that never
# ends is then answered as such, and named, before the client gives up and can say no more
# than that the server is slow.
TIME_LIMIT = 5.0
# Node.js processes kept running, each answering one exchange at a time: each takes
# some 40 MB, and a load test against a tenant with bound Actions must neither start a
# process per token (that was 0.02× the throughput without Actions: bench/actions_cost.py)
# nor one per connection. The rest wait their turn (that wait is not the Actions' time).
RUNNERS_AT_ONCE = 4


class NodeMissing(Exception):
    """Actions need Node.js, and there is none on PATH (or at $M2M_TUI_NODE)."""

    def __str__(self) -> str:
        return (
            "Actions need Node.js (node on PATH, or M2M_TUI_NODE naming it): install it "
            "(apt-get install nodejs, brew install node) to run Actions"
        )


@dataclass(frozen=True)
class ActionSource:
    name: str
    code: str
    secrets: dict[str, str] = field(default_factory=dict)


def node_path() -> str | None:
    named = os.environ.get("M2M_TUI_NODE")
    if named:
        return named if os.access(named, os.X_OK) else None
    return shutil.which("node") or shutil.which("nodejs")


def _script() -> str:
    return str(resources.files("actions_runtime") / "runner.js")


class _Node:
    """One runner.js process, kept for exchange after exchange; killed when an Action
    outlives its time (the pool then starts another)."""

    def __init__(self, node: str) -> None:
        self.errors = tempfile.TemporaryFile()  # a file, so a chatty runner never blocks
        self.process = subprocess.Popen(
            [node, _script()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            env={"PATH": os.environ.get("PATH", ""), "NODE_OPTIONS": ""},  # nothing leaks in
        )
        self.pending = b""

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, request: dict, deadline: float) -> tuple[list[dict], bool, str]:
        """runner.js's lines for `request`, whether it was killed for time, and its
        stderr when it died."""
        assert self.process.stdin and self.process.stdout
        lines: list[dict] = []
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
        except OSError:
            return lines, False, self.said()
        fd = self.process.stdout.fileno()
        while True:
            while b"\n" in self.pending:
                line, self.pending = self.pending.split(b"\n", 1)
                answer = json.loads(line)
                if answer.get("done"):
                    return lines, False, ""
                lines.append(answer)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.kill()
                return lines, True, ""
            chunk = os.read(fd, 65536)
            if not chunk:  # it died under the exchange
                self.process.wait()
                return lines, False, self.said()
            self.pending += chunk

    def said(self) -> str:
        self.errors.seek(0)
        return self.errors.read().decode("utf-8", "replace")

    def kill(self) -> None:
        if self.alive:
            self.process.kill()
        self.process.wait()
        self.errors.close()


class _Pool:
    """At most RUNNERS_AT_ONCE runner processes, started as needed, shared by every
    thread and event loop of this process (the authority, the CLI, the app)."""

    def __init__(self) -> None:
        self.idle: list[_Node] = []
        self.lock = threading.Lock()
        self.slots = threading.Semaphore(RUNNERS_AT_ONCE)
        self.executor = ThreadPoolExecutor(RUNNERS_AT_ONCE, thread_name_prefix="actions")
        atexit.register(self.close)

    def ask(self, request: dict, limit: float) -> tuple[list[dict], bool, str]:
        node = node_path()
        if node is None:
            raise NodeMissing()
        with self.slots:
            with self.lock:
                runner = self.idle.pop() if self.idle else None
            if runner is None or not runner.alive:
                runner = _Node(node)
            # The limit counts from here: waiting for a slot is not the Actions' time.
            lines, killed, errors = runner.ask(request, time.monotonic() + limit)
            if runner.alive and not killed:
                with self.lock:
                    self.idle.append(runner)
            else:
                runner.kill()
            return lines, killed, errors

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for runner in idle:
            runner.kill()


_pool: _Pool | None = None
_making = threading.Lock()


def _the_pool() -> _Pool:
    """The process's one pool, made by the first exchange: a front end or a server that
    never runs an Action starts no thread and registers no exit hook for it."""
    global _pool
    with _making:
        if _pool is None:
            _pool = _Pool()
        return _pool


async def _talk(request: dict, limit: float) -> tuple[list[dict], bool, str]:
    pool = _the_pool()
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool.executor, pool.ask, request, limit)


async def run_actions(
    actions: list[ActionSource], event: dict, time_limit: float = TIME_LIMIT
) -> Exchange:
    """Run `actions` in order on `event` (Auth0's credentials-exchange event; each Action
    gets its own secrets as event.secrets). Raises NodeMissing without Node.js."""
    if not actions:
        return Exchange([])
    request = {
        "actions": [{"name": a.name, "code": a.code, "secrets": a.secrets} for a in actions],
        "event": event,
        "timeout_ms": int(time_limit * 1000),
    }
    # Node's own start-up (a new runner's) is not the Actions' time: a second more.
    lines, killed, errors = await _talk(request, time_limit + 1.0)
    runs = [_run(line) for line in lines]
    if killed or (
        len(runs) < len(actions) and not any(r.deny or r.error or r.timed_out for r in runs)
    ):
        # The Action after the last one that answered was running when time ran out (or
        # the process died under it).
        name = actions[len(runs)].name
        runs.append(ActionRun(name, timed_out=killed, error=None if killed else _died(errors)))
    return Exchange(runs)


def _died(errors: str) -> str:
    last = errors.strip().splitlines()[-1:] or ["Node.js ended without a word"]
    return f"the Actions runner failed: {last[0]}"


def _run(line: dict) -> ActionRun:
    error = line.get("error")
    deny = line.get("deny")
    return ActionRun(
        name=str(line.get("name", "")),
        claims=[(str(k), v) for k, v in line.get("claims", [])],
        deny=(str(deny[0]), str(deny[1])) if deny else None,
        error=None if error is None else str(error),
        line=_number(line.get("line")),
        column=_number(line.get("column")),
        timed_out=line.get("timed_out") is True,
        logs=[str(x) for x in line.get("logs", [])],
        ms=int(line.get("ms", 0)),
    )


def _number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Required:
    """A module an Action requires by name and would not be given here."""

    module: str
    text: str  # the call as written: require('axios')
    line: int
    column: int
    builtin: bool  # one of Node's own modules; else an npm package


@dataclass(frozen=True)
class CodeCheck:
    """What a deploy refuses in one Action's code, found without running it: the syntax
    error that keeps it from compiling (its name and message, and where), else the
    modules it requires that it would not be given (`offered`: those it would)."""

    syntax: str | None = None
    line: int | None = None
    column: int | None = None
    requires: tuple[Required, ...] = ()
    offered: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        return self.syntax is not None or bool(self.requires)


async def check_code(actions: list[ActionSource]) -> dict[str, CodeCheck]:
    """Each Action's check by name (runner.js's `checked`): nothing runs."""
    request = {"check": True, "actions": [{"name": a.name, "code": a.code} for a in actions]}
    lines, _, _ = await _talk(request, 10.0)
    return {str(x["name"]): _check(x) for x in lines}


def _check(line: dict) -> CodeCheck:
    syntax = line.get("syntax") or {}
    return CodeCheck(
        syntax=str(syntax["error"]) if syntax.get("error") else None,
        line=_number(syntax.get("line")),
        column=_number(syntax.get("column")),
        requires=tuple(
            Required(
                str(r.get("module", "")),
                str(r.get("text", "")),
                _number(r.get("line")) or 0,
                _number(r.get("column")) or 0,
                r.get("builtin") is True,
            )
            for r in line.get("requires") or []
        ),
        offered=tuple(str(m) for m in line.get("offered") or []),
    )
