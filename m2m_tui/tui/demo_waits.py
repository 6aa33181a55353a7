"""How the demo's steps wait (a mixin of DemoApp): for the event each one needs, never for
the app to look quiet. The token tab's `TokenReceived`, the API tab's `CallAnswered` and
`ApiLoaded`, the lab's `LabDone`, the Why? panel's `FixApplied` are counted as the app
handles them; a worker the step started (a diagnosis, a key rotation) is awaited to its
end. However busy the machine, a step goes on the moment its event has come, and only then.

Each wait has a deadline far beyond any machine's slowness: past it the step fails,
naming what never came, instead of hanging or going on with half a screen."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable

from textual.message import Message
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from m2m_tui.demo.script import StepFailed
from m2m_tui.tui.messages import (
    ApiLoaded,
    CallAnswered,
    FixApplied,
    JobFailed,
    LabDone,
    TokenReceived,
)

PATIENCE = 300.0  # seconds for one event: a safety net, not a bound on how fast it must be


class Waits:
    patience: float = PATIENCE

    # Counted before the app's own handler for the same message runs (this class comes
    # first in DemoApp's MRO), in the same turn of its queue: a waiter never sees the
    # count move before the app has done what the message sets going.
    def on_token_received(self, message: TokenReceived) -> None:
        self.heard_counts()[TokenReceived] += 1

    def on_call_answered(self, message: CallAnswered) -> None:
        self.heard_counts()[CallAnswered] += 1

    def on_lab_done(self, message: LabDone) -> None:
        self.heard_counts()[LabDone] += 1

    def on_fix_applied(self, message: FixApplied) -> None:
        self.heard_counts()[FixApplied] += 1

    def on_api_loaded(self, message: ApiLoaded) -> None:
        self.heard_counts()[ApiLoaded] += 1

    def on_job_failed(self, message: JobFailed) -> None:
        self.heard_counts()[JobFailed] += 1
        self._failed_line = message.line

    def heard_counts(self) -> Counter:
        if not hasattr(self, "_heard"):
            self._heard: Counter = Counter()
        return self._heard

    def heard(self, kind: type[Message]) -> int:
        """How many `kind` messages the app has handled so far."""
        return self.heard_counts()[kind]

    def deadline(self) -> float:
        return time.monotonic() + self.patience

    def gave_up(self, what: str) -> StepFailed:
        return StepFailed(f"waited {self.patience:g} s for {what}, and it never came")

    async def until(self, what: str, condition: Callable[[], bool]) -> None:
        """Until `condition()` holds: a message handled, a screen shown, a state reached."""
        deadline = self.deadline()
        failures = self.heard(JobFailed)
        while not condition():
            if self.heard(JobFailed) > failures:  # a worker raised: its event never comes
                raise StepFailed(f"{self._failed_line} (while waiting for {what})")
            if time.monotonic() > deadline:
                raise self.gave_up(what)
            await asyncio.sleep(0.02)  # a look at the condition, not a wait for quiet

    async def until_heard(self, kind: type[Message], since: int, what: str) -> None:
        """Until the app has handled one more `kind` message than `since`."""
        await self.until(what, lambda: self.heard(kind) > since)

    def running(self, group: str) -> list[Worker]:
        return [w for w in self.workers if w.group == group and not w.is_finished]

    async def finished(self, worker: Worker, what: str) -> None:
        """Until `worker` ends; cancelled or failed, the step fails saying so."""
        deadline = self.deadline()
        while worker.state == WorkerState.PENDING:  # started, its task not yet running
            if time.monotonic() > deadline:
                raise self.gave_up(what)
            await asyncio.sleep(0.02)
        try:
            await asyncio.wait_for(worker.wait(), max(deadline - time.monotonic(), 0.01))
        except TimeoutError:
            raise self.gave_up(what) from None
        except WorkerCancelled:
            raise StepFailed(f"{what} was cancelled") from None
        except WorkerFailed as exc:
            raise StepFailed(f"{what} failed: {type(exc.error).__name__}: {exc.error}") from None

    async def group_finished(self, group: str, what: str) -> None:
        """Until every worker of `group` running now has ended (none: at once)."""
        for worker in self.running(group):
            await self.finished(worker, what)
