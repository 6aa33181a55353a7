"""The token's times (exp, nbf, iat), judged by the server's clock where its Date header
gives it, with the API's leeway; a skew between the clocks is named. Each decision is
the rule book's (oauth_primitives.rules.access_token); the words are said here."""

from __future__ import annotations

from m2m_tui.diagnosis.causes import Cause
from m2m_tui.diagnosis.check import Check
from m2m_tui.diagnosis.time_units import (
    MILLISECONDS_FIX,
    ZONE_FIX,
    in_milliseconds,
    milliseconds_said,
    zone_offset,
    zone_said,
)
from m2m_tui.tokens.decoded import DecodedToken, relative
from oauth_primitives.rules import Code, Finding
from oauth_primitives.rules.access_token import number


def _clock_note(skew: float) -> str:
    if abs(skew) < 2:
        return ""
    direction = "ahead of" if skew > 0 else "behind"
    return f" (the server's clock is {relative(round(skew))} {direction} yours)"


def exp_check(
    token: DecodedToken,
    finding: Finding | None,
    clock: float,
    skew: float,
    leeway: float,
    by_server: bool,
) -> Check:
    judge = "by the server's clock" if by_server else "by your clock"
    if finding is None:
        exp = number(token.payload, "exp")
        if in_milliseconds(exp, clock):  # far ahead as seconds: it never expires here
            return Check(
                "exp",
                None,
                f"{milliseconds_said('exp', exp, clock)}; to an API that reads seconds the "
                "token never expires",
                MILLISECONDS_FIX,
                cause=Cause.TIME_IN_MILLISECONDS,
            )
        return Check("exp", True, f"expires in {relative(exp - clock)} {judge}{_clock_note(skew)}")
    if finding.code == Code.EXP_MISSING:
        return Check(
            "exp", False, "the token has no exp claim", "Use a token that expires.", finding.code
        )
    if finding.code == Code.NOT_A_NUMBER:
        return Check(
            "exp", False, "exp is not a number", "Use the token exactly as issued.", finding.code
        )
    exp = finding.values["exp"]
    offset = zone_offset(token.payload, clock, skew)
    if offset is not None and offset < 0:
        return Check(
            "exp",
            False,
            f"expired {relative(clock - exp)} ago {judge}: {zone_said(offset)}",
            ZONE_FIX,
            finding.code,
            Cause.TIME_ZONE_OFFSET,
        )
    return Check(
        "exp",
        False,
        f"expired {relative(clock - exp)} ago {judge}{_clock_note(skew)}, beyond "
        f"the {leeway:g} s leeway",
        "Request a new token (m2m-tui reuses tokens only until 60 s before exp).",
        finding.code,
    )


def nbf_check(token: DecodedToken, finding: Finding | None, clock: float, leeway: float) -> Check:
    nbf = number(token.payload, "nbf")
    if finding is None:
        if nbf is None:
            return Check("nbf", True, "no nbf claim (valid from issue)")
        return Check("nbf", True, f"valid since {relative(clock - nbf)} ago")
    if finding.code == Code.NOT_A_NUMBER:
        return Check(
            "nbf", False, "nbf is not a number", "Use the token exactly as issued.", finding.code
        )
    wrong = _wrong_time(token, "nbf", nbf, clock)
    if wrong is not None:
        said, fix, cause = wrong
        return Check("nbf", False, f"not valid yet: {said}", fix, finding.code, cause)
    return Check(
        "nbf",
        False,
        f"not valid for another {relative(nbf - clock)}, beyond the {leeway:g} s leeway: "
        "clock skew between the issuer and the API, or a token dated ahead",
        "Synchronise the clocks (NTP) of the authorization server and the API, or wait.",
        finding.code,
        Cause.CLOCK_SKEW,
    )


def iat_check(
    token: DecodedToken,
    finding: Finding | None,
    clock: float,
    skew: float,
    leeway: float,
    accepted: bool,
) -> Check:
    """`accepted`: the server answered the call with success, so a future iat is only
    a warning (RFC 7519 makes iat informational: the bundled API refuses one, Auth0's
    Express validator without maxTokenAge does not)."""
    iat = number(token.payload, "iat")
    if finding is None:
        if iat is None:
            return Check("iat", True, "no iat claim")
        return Check("iat", True, f"issued {relative(clock - iat)} ago")
    if finding.code == Code.NOT_A_NUMBER:
        return Check(
            "iat", False, "iat is not a number", "Use the token exactly as issued.", finding.code
        )
    said = (
        f"issued {relative(iat - clock)} in the future: clock skew between the "
        f"issuer and the API{_clock_note(skew)}"
    )
    fix, cause = (
        "Synchronise the clocks (NTP) of the authorization server and the API.",
        Cause.CLOCK_SKEW,
    )
    wrong = _wrong_time(token, "iat", iat, clock, skew)
    if wrong is not None:
        said, fix, cause = wrong
    if accepted:
        return Check(
            "iat",
            None,
            f"{said}; this API accepted it (it does not check iat)",
            fix,
            finding.code,
            cause,
        )
    return Check("iat", False, said, fix, finding.code, cause)


def _wrong_time(
    token: DecodedToken, claim: str, value: float, clock: float, skew: float = 0.0
) -> tuple[str, str, Cause] | None:
    """A time ahead that is the issuer's unit or zone, not skew: words, fix and cause."""
    if in_milliseconds(value, clock):
        return milliseconds_said(claim, value, clock), MILLISECONDS_FIX, Cause.TIME_IN_MILLISECONDS
    offset = zone_offset(token.payload, clock, skew)
    if offset is not None and offset > 0:
        return zone_said(offset), ZONE_FIX, Cause.TIME_ZONE_OFFSET
    return None
