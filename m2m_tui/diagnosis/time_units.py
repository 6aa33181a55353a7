"""Times an issuer wrote wrong, as the world writes them: a NumericDate in milliseconds
(JavaScript's `Date.now()` where RFC 7519 §2 asks for seconds), or local time written as
UTC, which puts iat and exp a whole number of hours (or half hours: India, Newfoundland)
off. Neither is clock skew, and a new token will be the same: the fix is the issuer's."""

from __future__ import annotations

from m2m_tui.tokens.decoded import relative
from oauth_primitives.rules.access_token import number

_YEAR = 365 * 24 * 3600
_HALF_HOUR = 1800
# How far from a whole half hour an offset may be and still be one: the token may have
# been used a little after it was issued, the clocks a little apart.
_NEAR = 90
_LONGEST_OFFSET = 14 * 3600  # UTC+14 (Kiribati) is the farthest zone
_NORMAL_LIFETIME = (60, 48 * 3600)


def in_milliseconds(value: object, clock: float) -> bool:
    """A NumericDate that, read as milliseconds (or microseconds), is within ten years
    of now: as seconds it is tens of thousands of years away."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return False
    return any(abs(value / scale - clock) < 10 * _YEAR for scale in (1_000, 1_000_000))


def unit_of(value: float) -> str:
    return "milliseconds" if value < 1e14 else "microseconds"


def milliseconds_said(claim: str, value: float, clock: float) -> str:
    unit = unit_of(value)
    seconds = value / (1_000 if unit == "milliseconds" else 1_000_000)
    when = "ago" if seconds <= clock else "from now"
    return (
        f"{claim} is {value:.0f}, a time in {unit} ({relative(seconds - clock)} {when} when "
        f"read so): RFC 7519 §2 makes a NumericDate seconds, and as seconds it is "
        f"{abs(value - clock) / _YEAR:,.0f} years away. The issuer's bug, not clock skew: "
        "a new token will be the same"
    )


MILLISECONDS_FIX = (
    "Fix the code that stamps the token (a custom issuer, an Action or a signing "
    "library's options): NumericDate is whole seconds, `Math.floor(Date.now() / 1000)` "
    "in JavaScript, `int(time.time())` in Python, `Instant.getEpochSecond()` in Java."
)


def zone_offset(payload: dict, clock: float, skew: float = 0.0) -> int | None:
    """The offset, in seconds (negative: behind), by which iat sits a whole number of
    half hours off the clock, with a normal lifetime after it; None when it does not.
    `skew`: the server's clock less yours. The offset must hold by both clocks: a token
    on time by yours is on time, and the server's clock is the one off."""
    if abs(skew) >= 2 and zone_offset(payload, clock - skew) is None:
        return None
    iat, exp = number(payload, "iat"), number(payload, "exp")
    if not isinstance(iat, int | float) or in_milliseconds(iat, clock):
        return None
    offset = iat - clock
    halves = round(offset / _HALF_HOUR)
    if halves == 0 or abs(offset) > _LONGEST_OFFSET + _NEAR:
        return None
    if abs(offset - halves * _HALF_HOUR) > _NEAR:
        return None
    if isinstance(exp, int | float) and not (
        _NORMAL_LIFETIME[0] <= exp - iat <= _NORMAL_LIFETIME[1]
    ):
        return None
    return halves * _HALF_HOUR


def zone_said(offset: int) -> str:
    """The issuer's time zone bug, in words, for an offset from zone_offset. Which way
    the zone lies cannot be told: local time written as UTC puts a token ahead in a zone
    east of UTC, and UTC read as local time (Python's `utcnow().timestamp()`) behind."""
    span = relative(offset)
    side = "behind" if offset < 0 else "ahead of"
    whole = "hours" if offset % 3600 == 0 else "half hours"
    return (
        f"the token is stamped {span} {side} UTC (iat is {span} {side} the clock, a whole "
        f"number of {whole} to within a minute or so): the issuer's time zone bug, local "
        f"time written as UTC or UTC read as local time in a zone {span} from UTC, not "
        "clock skew; a new token will be off the same way"
    )


ZONE_FIX = (
    "Fix the issuer's clock or its code, not the API's leeway: NumericDate is seconds "
    "since the epoch in UTC (RFC 7519 §2); a custom issuer must take it from a UTC clock "
    "(Python: `datetime.now(timezone.utc).timestamp()`; `datetime.utcnow().timestamp()` "
    "reads UTC as local time and is off by the zone). If a new token is fine, this one "
    "was simply old."
)
