"""The diagnosis set beside the server's answer: what agrees, what the server decided
that the checks did not (and the probable cause), and rules an API did not apply."""

from __future__ import annotations

import time

from m2m_tui.diagnosis.check import Check, Expectations, judged
from m2m_tui.diagnosis.claim_checks import claims_check, typ_check
from m2m_tui.diagnosis.jws_checks import alg_check
from m2m_tui.diagnosis.report import Agreement, Diagnosis
from m2m_tui.tokens.decoded import DecodedToken, relative
from oauth_primitives.rules import Code
from oauth_primitives.rules.access_token import number
from oauth_primitives.rules.closed_sets import ISSUER_SIGNS, LEEWAY
from oauth_primitives.rules.jws import Jws
from oauth_primitives.rules.table import Presented, place

# Rules that some APIs apply and others do not: when an API accepted a token one of them
# refuses, the diagnosis follows the server, and the rule becomes a warning about it.
# (A key it should not know or a signature that fails are facts about the token, not a
# policy: an API that takes one is itself the problem, and is said so.)
POLICY_RULES = frozenset(
    {
        Code.TOO_LARGE,
        Code.BAD_ENCODING,
        Code.ALG_NOT_ALLOWED,
        Code.CRIT_NOT_UNDERSTOOD,
        Code.TYP_NOT_AT_JWT,
        Code.CLAIMS_MISSING,
        Code.KEY_TOO_SMALL,
        Code.KEY_ALG_MISMATCH,
        Code.IAT_FUTURE,
        Code.DPOP_BOUND_AS_BEARER,
        # Express knows no certificate binding (RFC 8705): it takes a bound token anyway.
        Code.CERT_MISSING,
        Code.CERT_MISMATCH,
        Code.NOT_CERT_BOUND,
        Code.SCOPE_NOT_STRING,  # Express reads a scope array too
        # Express reads an aud array past a number; node's jsonwebtoken takes a numeric sub.
        Code.NOT_A_STRING,
        # RFC 7519 makes exp optional; RFC 9068 and most validators require it.
        Code.EXP_MISSING,
    }
)

# Rules judged with a clock leeway, which each API sets for itself (Express's
# clockTolerance, the bundled API's [server.api] leeway): an API that takes a token the
# checks' leeway refuses has a larger one, at least what it took. Learned, not assumed.
LEEWAY_RULES = frozenset({Code.EXPIRED, Code.NOT_YET_VALID})


def beyond(code: Code | None, token: DecodedToken | None, clock: float) -> float | None:
    """How far past exp, or before nbf, the token was at `clock`: the leeway it needs."""
    if token is None or code not in LEEWAY_RULES:
        return None
    claim = "exp" if code == Code.EXPIRED else "nbf"
    value = number(token.payload, claim)
    if value is None:
        return None
    return clock - value if claim == "exp" else value - clock


def _not_applied(
    diagnosis: Diagnosis, check: Check, token: DecodedToken | None, clock: float, why: str
) -> None:
    """`check`, a rule this API evidently did not apply, made a warning (`why` says how
    its answer shows it); for a leeway rule, the leeway it must have is learned."""
    check.ok = None
    needed = beyond(check.code, token, clock)
    if needed is None:
        check.detail += f"; {why} (it does not apply this rule)"
        return
    least = max(needed, diagnosis.leeway_at_least or 0.0)
    diagnosis.leeway_at_least = least
    check.detail += (
        f"; {why}, so its leeway is at least {relative(needed)}: validators with the usual "
        f"{LEEWAY:g} s (Auth0's Express validator, the bundled API as shipped) would refuse it"
    )


def follow_acceptance(
    diagnosis: Diagnosis, token: DecodedToken | None = None, clock: float | None = None
) -> None:
    now = time.time() if clock is None else clock
    for check in diagnosis.checks:
        if check.ok is False and check.code in POLICY_RULES | LEEWAY_RULES:
            _not_applied(diagnosis, check, token, now, "this API accepted it all the same")


def follow_named_refusal(
    diagnosis: Diagnosis, rule: str, token: DecodedToken | None, clock: float | None
) -> None:
    """A server that names the rule it refused for (the bundled API's `rule`) runs the
    table in order and stops at its first finding: a failed check whose row comes
    before that rule's is one it went past, and so does not apply (a larger leeway)."""
    try:
        code = Code(rule)
        named = place(code)
    except (ValueError, KeyError):
        return
    # A code some rows share (not_a_number: exp, nbf or iat) names no row by itself: the
    # row is the one where the checks found it too.
    same = [place(c.code, c.name) for c in diagnosis.checks if c.ok is False and c.code == code]
    named = min(same, default=named)
    now = time.time() if clock is None else clock
    for check in diagnosis.checks:
        if check.ok is False and check.code in POLICY_RULES | LEEWAY_RULES:
            if place(check.code, check.name) < named:
                why = f"this API went past it and refused for a later rule ({rule})"
                _not_applied(diagnosis, check, token, now, why)


def probable_cause(diagnosis: Diagnosis, token: DecodedToken, expect: Expectations) -> None:
    """A refusal every check passes: the rules a strict validator applies that this token
    breaks (RFC 9068's typ and claims, as Authlib's validator; RS256 alone, as Auth0's
    validators by default) are named as the probable cause, since many APIs answer
    every refusal with a bare invalid_token."""
    strict = expect.stricter(strict_rfc9068=True, algorithms=ISSUER_SIGNS)
    parts = Jws(token.raw, token.header, token.payload, token.signature, token.signing_input)
    found = judged(Presented(None, strict.policy, time.time(), jws=parts))
    causes = [
        c
        for c in (
            alg_check(token, found.get("alg"), strict),
            typ_check(token, strict, found.get("typ")),
            claims_check(token, strict, found.get("claims")),
        )
        if c is not None and c.ok is False
    ]
    if not causes:
        return
    said = "; ".join(c.detail for c in causes)
    diagnosis.checks.append(
        Check(
            "strict",
            False,
            f"every check of this API's known rules passes, and it refused: probably for a "
            f"rule stricter validators apply, which this token breaks: {said}",
            " ".join(dict.fromkeys(c.fix for c in causes)),
            causes[0].code,
        )
    )


def with_agreement(
    diagnosis: Diagnosis,
    token: DecodedToken | None = None,
    expect: Expectations | None = None,
    clock: float | None = None,
) -> Diagnosis:
    """`clock`: the time the checks judged by (the server's, where its Date gave it)."""
    server = diagnosis.server
    if server is None or server.status is None:
        return diagnosis
    if server.accepted:
        follow_acceptance(diagnosis, token, clock)
    elif server.refused_token and server.rule:
        follow_named_refusal(diagnosis, server.rule, token, clock)
    elif server.refused_token and not diagnosis.failed and token is not None and expect:
        probable_cause(diagnosis, token, expect)
    local_ok = not diagnosis.failed
    said = (
        server.www_authenticate.get("error_description")
        or server.www_authenticate.get("error")
        or ""
    )
    if server.token_dropped:
        # The answer came from a server the token never reached: no token theories.
        diagnosis.agreement = Agreement.REQUEST_FAILED
        diagnosis.agreement_text = (
            f"The server that answered ({server.status}) never received the token: a "
            "redirect to another origin dropped it, as clients do."
        )
    elif server.request_failed:
        # Not a refusal of the token: say what failed, and no token theories.
        note = (
            f"The server did not refuse the token; the request itself failed ({server.failure()})."
        )
        if not local_ok:
            note += f" The local checks fail ({', '.join(diagnosis.failed)}), though."
        diagnosis.agreement = Agreement.REQUEST_FAILED
        diagnosis.agreement_text = note
    elif local_ok and server.refused_token:
        diagnosis.agreement = Agreement.SERVER_REFUSED_MORE
        diagnosis.agreement_text = (
            f"The local checks pass, but the server refused ({server.status}"
            f"{': ' + said if said else ''}). Likely reasons: the server's clock differs from "
            "yours; the server holds a stale JWKS (a key it has not fetched yet, or one revoked "
            "that it still caches); it expects a different audience or issuer than this profile "
            "says; or it requires something more (typ at+jwt, another scope)."
        )
    elif not local_ok and not server.refused_token:
        diagnosis.agreement = Agreement.SERVER_ACCEPTED_MORE
        diagnosis.agreement_text = (
            f"The server accepted the token although the local checks fail "
            f"({', '.join(diagnosis.failed)}). Likely reasons: the server caches a JWKS that "
            "still holds a revoked key, uses a larger clock leeway, or checks a different "
            "audience or issuer than this profile says."
        )
    else:
        diagnosis.agreement = Agreement.AGREE
        diagnosis.agreement_text = "The server's answer agrees with the local checks."
    return diagnosis
