"""Auth0's fine-grained M2M token quotas, as both sides must read them: the buckets
(hourly, daily), the two quota headers and their format, and when a bucket resets.

The bundled authority writes the headers with `header_value`; the client reads them with
`parse_header`, the way Auth0's SDKs do (node-auth0's HttpResponseHeadersUtils):

    Auth0-Client-Quota-Limit: b=per_hour;q=10;r=7;t=3540,b=per_day;q=50;r=47;t=43200

a comma-separated list of buckets, each `b` (its name), `q` (the quota), `r` (tokens
remaining) and `t` (seconds until it resets). Auth0 resets the hourly bucket at the top
of each UTC hour and the daily one at each UTC midnight (docs: fine-grained M2M token
quotas, "How it works")."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class Bucket(StrEnum):
    PER_HOUR = "per_hour"
    PER_DAY = "per_day"

    @property
    def seconds(self) -> int:
        return 3600 if self is Bucket.PER_HOUR else 86400

    @property
    def window(self) -> str:
        """The window in words: "hour" or "day"."""
        return "hour" if self is Bucket.PER_HOUR else "day"


class QuotaEntity(StrEnum):
    """What a quota limits: one client's tokens, or one organization's (any client's
    token requests that name it)."""

    CLIENT = "client"
    ORGANIZATION = "organization"

    @property
    def header(self) -> str:
        return CLIENT_HEADER if self is QuotaEntity.CLIENT else ORGANIZATION_HEADER


CLIENT_HEADER = "Auth0-Client-Quota-Limit"
ORGANIZATION_HEADER = "Auth0-Organization-Quota-Limit"


@dataclass(frozen=True)
class QuotaLimit:
    """One bucket as a quota header states it, at the moment of the answer."""

    bucket: Bucket
    quota: int  # q: the configured limit
    remaining: int  # r: tokens left in this window
    reset_after: int  # t: seconds until the window ends

    @property
    def used(self) -> int:
        return max(0, self.quota - self.remaining)

    @property
    def exhausted(self) -> bool:
        return self.remaining <= 0


def window_end(bucket: Bucket, now: float) -> int:
    """When the window holding `now` ends: the next UTC hour or UTC midnight, in Unix
    seconds (Unix time has no leap seconds, so UTC days are whole multiples of 86400)."""
    return (math.floor(now) // bucket.seconds + 1) * bucket.seconds


def window_start(bucket: Bucket, now: float) -> int:
    return window_end(bucket, now) - bucket.seconds


def reset_after(bucket: Bucket, now: float) -> int:
    """Whole seconds until the window resets, at least 1 (a `t`, or a Retry-After)."""
    return max(1, math.ceil(window_end(bucket, now) - now))


def header_value(limits: list[QuotaLimit]) -> str:
    return ",".join(
        f"b={limit.bucket};q={limit.quota};r={max(0, limit.remaining)};t={limit.reset_after}"
        for limit in limits
    )


def parse_header(value: str | None) -> tuple[QuotaLimit, ...]:
    """The buckets a quota header states; an empty tuple for no header. A bucket this
    client does not know, or one missing a number, is left out (a server may add
    buckets); a part without `b=` is read as the bucket's name, as Auth0's Java SDK
    does."""
    found: list[QuotaLimit] = []
    for part in (value or "").split(","):
        fields: dict[str, str] = {}
        for item in part.split(";"):
            key, sep, val = item.strip().partition("=")
            if sep:
                fields[key.strip().lower()] = val.strip()
            elif key and "b" not in fields:
                fields["b"] = key.strip()
        try:
            bucket = Bucket(fields.get("b", "").lower())
            numbers = [int(fields[k]) for k in ("q", "r", "t")]
        except (KeyError, ValueError):
            continue
        found.append(QuotaLimit(bucket, *numbers))
    return tuple(found)
