"""Waiting for an event, never for a time: a test goes on the moment what it waits for
has happened, however busy the machine. The deadline only stops a test whose event never
comes, and it is far beyond any machine's slowness (the suite's own timeout is 120 s)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

PATIENCE = 60.0  # seconds: a safety net, not a bound on how fast anything must be


def wait_until(condition: Callable[[], bool], what: str, patience: float = PATIENCE) -> None:
    deadline = time.monotonic() + patience
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.01)


async def wait_until_async(
    condition: Callable[[], bool],
    what: str,
    patience: float = PATIENCE,
    step: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Like wait_until, on an event loop; `step` (a pilot's pause, say) runs between looks."""
    deadline = time.monotonic() + patience
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        if step is not None:
            await step()
        await asyncio.sleep(0.01)  # never a busy loop
