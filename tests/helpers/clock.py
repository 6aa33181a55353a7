"""A clock that stands still until the test moves it: for the throttle's window and
anything else that takes a `clock` (time.monotonic's shape)."""

from __future__ import annotations


class StoppedClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
