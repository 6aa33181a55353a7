"""How many tokens each client and organization was issued in the current UTC hour and
UTC day: the counts behind Auth0's fine-grained M2M token quotas.

In memory, as the throttle's failures are: the authority is its tenant's one process,
and a restart starts every window afresh (a local server's choice; Auth0 keeps counting).
Only clients that authenticated and organizations that exist are counted, so the table
stays as small as the tenant; windows that ended are dropped as they are met."""

from __future__ import annotations

from oauth_primitives.token_quota import Bucket, QuotaEntity, window_start

Key = tuple[QuotaEntity, str, Bucket]


class QuotaCounter:
    def __init__(self) -> None:
        self._counts: dict[Key, tuple[int, int]] = {}  # key → (its window's start, tokens)

    def count(self, entity: QuotaEntity, entity_id: str, bucket: Bucket, now: float) -> int:
        """Tokens issued to it in the window holding `now`."""
        key = (entity, entity_id, bucket)
        started, tokens = self._counts.get(key, (None, 0))
        if started != window_start(bucket, now):
            self._counts.pop(key, None)  # a window that ended: nothing of it counts now
            return 0
        return tokens

    def add(self, entity: QuotaEntity, entity_id: str, bucket: Bucket, now: float) -> int:
        """One more token in the window holding `now`; the count after it."""
        tokens = self.count(entity, entity_id, bucket, now) + 1
        self._counts[(entity, entity_id, bucket)] = (window_start(bucket, now), tokens)
        return tokens
