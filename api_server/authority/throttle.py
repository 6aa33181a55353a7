"""Brute-force protection for client authentication.

After `max_failures` failed attempts within `window` seconds for one client id or
one address, further attempts are refused with 429 until the oldest failure in the
window ages out. Bounded in memory: the oldest keys are dropped past `max_keys`.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque


class Throttle:
    def __init__(self, max_failures: int, window: float, max_keys: int = 10_000) -> None:
        self.max_failures = max_failures
        self.window = window
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def retry_after(self, *keys: str) -> int | None:
        """Seconds to wait when any key is locked out, else None."""
        now = time.monotonic()
        waits = []
        for key in keys:
            failures = self._recent(key, now)
            if self.max_failures > 0 and len(failures) >= self.max_failures:
                waits.append(failures[0] + self.window - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        for key in keys:
            failures = self._failures.setdefault(key, deque(maxlen=max(self.max_failures, 1)))
            failures.append(now)
            self._failures.move_to_end(key)
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)
