"""Running Actions in Node.js (runner.js) from Python: one process per exchange, fed the
Actions and the event, read line by line, killed when the time is up."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from importlib import resources

# Auth0 gives a trigger's Actions 20 seconds in all (its Actions limits page).
TIME_LIMIT = 20.0
TIMEOUT_MARK = "__timeout__"


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


@dataclass
class ActionRun:
    """What one Action did: the claims it set (in order), its denial, or its failure."""

    name: str
    claims: list[tuple[str, object]] = field(default_factory=list)
    deny: tuple[str, str] | None = None
    error: str | None = None
    timed_out: bool = False
    logs: list[str] = field(default_factory=list)
    ms: int = 0


@dataclass
class Exchange:
    """Every Action of one exchange that ran, in order; it stops at a denial or failure."""

    runs: list[ActionRun]

    @property
    def denial(self) -> ActionRun | None:
        return next((r for r in self.runs if r.deny is not None), None)

    @property
    def failure(self) -> ActionRun | None:
        return next((r for r in self.runs if r.error is not None or r.timed_out), None)


def node_path() -> str | None:
    named = os.environ.get("M2M_TUI_NODE")
    if named:
        return named if os.access(named, os.X_OK) else None
    return shutil.which("node") or shutil.which("nodejs")


def _script() -> str:
    return str(resources.files("oauth_primitives.actions") / "runner.js")


async def _talk(request: dict, deadline: float) -> tuple[list[dict], bool, str]:
    """runner.js's lines, whether it was killed for time, and what it wrote to stderr."""
    node = node_path()
    if node is None:
        raise NodeMissing()
    process = await asyncio.create_subprocess_exec(
        node,
        _script(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={"PATH": os.environ.get("PATH", ""), "NODE_OPTIONS": ""},  # nothing else leaks in
    )
    assert process.stdin and process.stdout and process.stderr
    process.stdin.write(json.dumps(request).encode())
    await process.stdin.drain()
    process.stdin.close()
    lines: list[dict] = []
    killed = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            line = await asyncio.wait_for(process.stdout.readline(), left)
            if not line:
                break
            lines.append(json.loads(line))
    except TimeoutError:
        killed = True
        process.kill()
    finally:
        if process.returncode is None and not killed:
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
        await process.wait()
    errors = (await process.stderr.read()).decode("utf-8", "replace")
    return lines, killed, errors


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
    # Node's own start-up is not the Actions' time: a second more before the kill.
    lines, killed, errors = await _talk(request, time.monotonic() + time_limit + 1.0)
    runs = [_run(line) for line in lines]
    if killed or (len(runs) < len(actions) and not any(r.deny or r.error for r in runs)):
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
        error=None if error == TIMEOUT_MARK else error,
        timed_out=error == TIMEOUT_MARK,
        logs=[str(x) for x in line.get("logs", [])],
        ms=int(line.get("ms", 0)),
    )


async def syntax_errors(actions: list[ActionSource]) -> dict[str, str]:
    """Each Action's syntax error by name (none for code that compiles); nothing runs."""
    request = {"check": True, "actions": [{"name": a.name, "code": a.code} for a in actions]}
    lines, _, _ = await _talk(request, time.monotonic() + 10)
    return {str(x["name"]): str(x["error"]) for x in lines if x.get("error")}
