"""The token's times (exp, nbf, iat), judged by the server's clock where its Date header
gives it, with the API's leeway; a skew between the clocks is named."""

from __future__ import annotations

from m2m_tui.diagnosis.check import Check
from m2m_tui.tokens.decoded import DecodedToken, relative


def _number(token: DecodedToken, name: str) -> float | None | str:
    value = token.payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "bad"
    return float(value)


def _clock_note(skew: float) -> str:
    if abs(skew) < 2:
        return ""
    direction = "ahead of" if skew > 0 else "behind"
    return f" (the server's clock is {relative(round(skew))} {direction} yours)"


def exp_check(
    token: DecodedToken, clock: float, skew: float, leeway: float, by_server: bool
) -> Check:
    exp = _number(token, "exp")
    if exp is None:
        return Check("exp", False, "the token has no exp claim", "Use a token that expires.")
    if exp == "bad":
        return Check("exp", False, "exp is not a number", "Use the token exactly as issued.")
    judge = "by the server's clock" if by_server else "by your clock"
    if exp <= clock - leeway:
        return Check(
            "exp",
            False,
            f"expired {relative(clock - exp)} ago {judge}{_clock_note(skew)}, beyond "
            f"the {leeway:g} s leeway",
            "Request a new token (m2m-tui reuses tokens only until 60 s before exp).",
        )
    return Check("exp", True, f"expires in {relative(exp - clock)} {judge}{_clock_note(skew)}")


def nbf_check(token: DecodedToken, clock: float, leeway: float) -> Check:
    nbf = _number(token, "nbf")
    if nbf is None:
        return Check("nbf", True, "no nbf claim (valid from issue)")
    if nbf == "bad":
        return Check("nbf", False, "nbf is not a number", "Use the token exactly as issued.")
    if nbf > clock + leeway:
        return Check(
            "nbf",
            False,
            f"not valid for another {relative(nbf - clock)}, beyond the {leeway:g} s leeway: "
            "clock skew between the issuer and the API, or a token dated ahead",
            "Synchronise the clocks (NTP) of the authorization server and the API, or wait.",
        )
    return Check("nbf", True, f"valid since {relative(clock - nbf)} ago")


def iat_check(
    token: DecodedToken, clock: float, skew: float, leeway: float, accepted: bool
) -> Check:
    """`accepted`: the server answered the call with success, so a future iat is only
    a warning (RFC 7519 makes iat informational: the bundled API refuses one, Auth0's
    Express validator without maxTokenAge does not)."""
    iat = _number(token, "iat")
    if iat is None:
        return Check("iat", True, "no iat claim")
    if iat == "bad":
        return Check("iat", False, "iat is not a number", "Use the token exactly as issued.")
    if iat > clock + leeway:
        said = (
            f"issued {relative(iat - clock)} in the future: clock skew between the "
            f"issuer and the API{_clock_note(skew)}"
        )
        fix = "Synchronise the clocks (NTP) of the authorization server and the API."
        if accepted:
            return Check("iat", None, f"{said}; this API accepted it (it does not check iat)", fix)
        return Check("iat", False, said, fix)
    return Check("iat", True, f"issued {relative(clock - iat)} ago")
