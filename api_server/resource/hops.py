"""The records of World Mappers' downstream hops (what the exchange and the Routes API
answered for one directions call), kept a short while for the caller alone: the
directions answer stays the original sample's array, and links its hop's record
(`Link`, RFC 8288) instead of carrying it in the body."""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import JSONResponse

KEPT = 64  # records, the oldest dropped first: a caller reads its hop right after the call
KEPT_SECONDS = 300.0


@dataclass(frozen=True)
class HopRecord:
    caller: str  # the `sub` of the token the hop was made for: only it may read the record
    made: float  # on the store's clock
    hop: dict  # the "downstream" object: statuses, claims, the Routes API's answer; no token


class HopStore:
    """Bounded in count and in time; `clock` is the store's own, for tests to move."""

    def __init__(
        self,
        kept: int = KEPT,
        seconds: float = KEPT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kept = kept
        self.seconds = seconds
        self.clock = clock
        self._records: OrderedDict[str, HopRecord] = OrderedDict()

    def add(self, caller: str, hop: dict) -> str:
        """The new record's id: random, so that one caller cannot guess another's."""
        self._expire()
        hop_id = secrets.token_urlsafe(12)
        self._records[hop_id] = HopRecord(caller, self.clock(), hop)
        while len(self._records) > self.kept:
            self._records.popitem(last=False)
        return hop_id

    def get(self, hop_id: str, caller: str) -> dict | None:
        """The hop, for its own caller while it is kept; None otherwise (another caller
        learns not even that it exists)."""
        self._expire()
        record = self._records.get(hop_id)
        if record is None or not caller or record.caller != caller:
            return None
        return record.hop

    def __len__(self) -> int:
        self._expire()
        return len(self._records)

    def _expire(self) -> None:
        # Records are in the order they were made: the expired ones are at the front.
        oldest = self.clock() - self.seconds
        while self._records:
            first = next(iter(self._records.values()))
            if first.made > oldest:
                break
            self._records.popitem(last=False)


def hop_answer(store: HopStore | None, hop_id: str, caller: str) -> JSONResponse:
    """`GET /api/directions/hops/{id}`: the record as JSON, else 404 (none made here,
    expired, dropped, or another caller's). Never cached: it is one caller's."""
    hop = store.get(hop_id, caller) if store is not None else None
    if hop is None:
        return JSONResponse(
            {
                "error": "not_found",
                "message": f"no downstream hop {hop_id[:40]!r} for this caller (records "
                f"are kept {KEPT_SECONDS / 60:g} minutes, the last {KEPT} calls)",
            },
            status_code=404,
            headers={"Cache-Control": "no-store"},
        )
    return JSONResponse(hop, headers={"Cache-Control": "no-store"})
