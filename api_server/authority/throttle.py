"""Brute-force protection for client authentication.

Failures are counted per (client id, address): after `max_failures` within `window`
seconds that pair is refused with 429 until the oldest failure ages out. A typo loop
for one client therefore never locks out another client on the same machine (on a
laptop every caller is 127.0.0.1).

An address is locked as a whole only for volume no person mistyping reaches: at least
`address_max_failures` failures within the window spread over at least
`address_min_clients` distinct client ids (a guessing sweep). Each pair is capped at
`max_failures`, so a single mistyped client cannot get there alone.

Bounded in memory: the oldest keys are dropped past `max_keys`.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Lockout:
    retry_after: int  # whole seconds, at least 1
    message: str


class Throttle:
    def __init__(
        self,
        max_failures: int,
        window: float,
        address_max_failures: int = 100,
        address_min_clients: int = 10,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock  # injected in tests: a window must not depend on machine speed
        self.max_failures = max_failures
        self.window = window
        self.address_max_failures = address_max_failures
        self.address_min_clients = address_min_clients
        self.max_keys = max_keys
        self._pairs: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._addresses: OrderedDict[str, deque[tuple[float, str]]] = OrderedDict()

    def _recent(self, table: OrderedDict, key, now: float, stamp=lambda item: item) -> deque:
        entries = table.get(key)
        if entries is None:
            return deque()
        while entries and stamp(entries[0]) <= now - self.window:
            entries.popleft()
        if not entries:
            del table[key]
        return entries

    def check(self, client_id: str, address: str) -> Lockout | None:
        """A lockout when this client, from this address, must wait; else None."""
        if self.max_failures <= 0:
            return None
        now = self.clock()
        failures = self._recent(self._pairs, (client_id, address), now)
        if len(failures) >= self.max_failures:
            wait = _seconds(failures[0] + self.window - now)
            return Lockout(
                wait,
                f"Too many failed authentication attempts for client {client_id[:80]}; "
                f"retry after {wait} s",
            )
        sweep = self._recent(self._addresses, address, now, stamp=lambda item: item[0])
        clients = {client for _, client in sweep}
        if len(sweep) >= self.address_max_failures and len(clients) >= self.address_min_clients:
            wait = _seconds(sweep[0][0] + self.window - now)
            return Lockout(
                wait,
                f"Too many failed authentication attempts across {len(clients)} client ids "
                f"from this address; retry after {wait} s",
            )
        return None

    def failed(self, client_id: str, address: str) -> None:
        now = self.clock()
        pair = self._pairs.setdefault((client_id, address), deque(maxlen=max(self.max_failures, 1)))
        pair.append(now)
        self._pairs.move_to_end((client_id, address))
        sweep = self._addresses.setdefault(address, deque(maxlen=self.address_max_failures))
        sweep.append((now, client_id))
        self._addresses.move_to_end(address)
        for table in (self._pairs, self._addresses):
            while len(table) > self.max_keys:
                table.popitem(last=False)

    def succeeded(self, client_id: str, address: str) -> None:
        self._pairs.pop((client_id, address), None)


def _seconds(wait: float) -> int:
    return max(1, math.ceil(wait))
