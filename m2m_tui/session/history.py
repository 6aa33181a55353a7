"""What the session did, in order: an append-only log that the History tab, the export
and the Grants screen read. Entries are added through `add`; none is changed or removed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from m2m_tui.api.client import ApiResult
    from m2m_tui.oauth.token_request import TokenOutcome


@dataclass(frozen=True)
class HistoryEntry:
    at: float
    kind: str  # "token", "call", "why" (a diagnosis's own call) or "lab" (a variant's)
    summary: str
    status: str
    outcome: TokenOutcome | None = None
    result: ApiResult | None = None
    # An exchanged token's (RFC 8693): the index of the entry whose token was its subject
    # token, when this session obtained that one; None otherwise.
    subject: int | None = None


class History(Sequence[HistoryEntry]):
    def __init__(self) -> None:
        self._entries: list[HistoryEntry] = []

    def add(self, entry: HistoryEntry) -> HistoryEntry:
        self._entries.append(entry)
        return entry

    def issued(self, token: str) -> int | None:
        """The index of the latest entry that obtained `token`, or None."""
        for index in range(len(self._entries) - 1, -1, -1):
            outcome = self._entries[index].outcome
            if outcome is not None and outcome.access_token == token:
                return index
        return None

    def __getitem__(self, index):  # type: ignore[override]
        return self._entries[index]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[HistoryEntry]:
        return iter(self._entries)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, History | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"History({self._entries!r})"
