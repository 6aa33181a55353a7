"""The diagnosis's edge of the rule table: for each code the table can find, the check
that explains it (what it found, and the fix), and the same check's words when its rule
passed. The rules ran once (`check.judged`); nothing here decides again.

A new rule needs its entry here, beside its row in `oauth_primitives.rules.table`; the
assertion under `EXPLAIN` fails at import while one is missing. The checks are shown in
the table's order (`SHOWN`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from m2m_tui.diagnosis.actor_checks import actor_check, delegated_aud, narrowed_scope
from m2m_tui.diagnosis.certificate_checks import certificate_check
from m2m_tui.diagnosis.check import Check, Expectations
from m2m_tui.diagnosis.claim_checks import (
    aud_check,
    claims_check,
    crit_check,
    iss_check,
    organization_check,
    required_claims_check,
    scope_check,
    sub_check,
    typ_check,
)
from m2m_tui.diagnosis.jws_checks import alg_check, format_check, kid_check, signature_check
from m2m_tui.diagnosis.time_checks import exp_check, iat_check, nbf_check
from m2m_tui.tokens.decoded import DecodedToken
from oauth_primitives.rules import Code, Finding
from oauth_primitives.rules.table import FORM, TABLE


@dataclass
class Facts:
    """What the explanations read: the token, what the API expects, the table's findings
    by check, and the clocks."""

    token: DecodedToken
    expect: Expectations
    found: dict[str, Finding]
    keys: dict | None  # the JWKS's signing keys by kid; None: unknown, for `why`
    why: str
    clock: float
    skew: float
    accepted: bool  # the server accepted the call
    by_server: bool = False  # the clock is the server's (its Date header)
    certificate: str | None = None  # x5t#S256 of the certificate the call presented
    # A delegated token's subject token's scopes, where History holds it (None: unknown).
    subject_scopes: list[str] | None = None


Explain = Callable[[Facts], Check | None]


def _format(f: Facts) -> Check:
    return format_check(f.token, f.expect, f.found.get("format"))


def _alg(f: Facts) -> Check:
    return alg_check(f.token, f.found.get("alg"), f.expect)


def _crit(f: Facts) -> Check | None:
    return crit_check(f.token, f.found.get("crit"))


def _kid(f: Facts) -> Check:
    return kid_check(f.token, f.found.get("kid"), f.keys, f.why)


def _signature(f: Facts) -> Check:
    return signature_check(f.token, f.found, f.keys)


def _iss(f: Facts) -> Check:
    return iss_check(f.token, f.expect, f.found.get("iss"))


def _aud(f: Facts) -> Check:
    return delegated_aud(aud_check(f.token, f.expect, f.found.get("aud")), f.token, f.expect)


def _actor(f: Facts) -> Check | None:
    policy = f.expect.policy
    if not (policy.require_actor or policy.accepted_actors) and "actor" not in f.found:
        return None  # an API with no actor rules: the chain is the Inspector's to draw
    return actor_check(f.token, f.expect, f.found.get("actor"))


def _sub(f: Facts) -> Check | None:
    return sub_check(f.token, f.found.get("sub"))


def _exp(f: Facts) -> Check:
    return exp_check(f.token, f.found.get("exp"), f.clock, f.skew, f.expect.leeway, f.by_server)


def _nbf(f: Facts) -> Check:
    return nbf_check(f.token, f.found.get("nbf"), f.clock, f.expect.leeway)


def _iat(f: Facts) -> Check:
    return iat_check(f.token, f.found.get("iat"), f.clock, f.skew, f.expect.leeway, f.accepted)


def _typ(f: Facts) -> Check:
    return typ_check(f.token, f.expect, f.found.get("typ"))


def _claims(f: Facts) -> Check | None:
    return claims_check(f.token, f.expect, f.found.get("claims"))


def _required(f: Facts) -> Check | None:
    return required_claims_check(f.token, f.expect, f.found.get("required claims"))


def _scope(f: Facts) -> Check:
    check = scope_check(f.token, f.expect, f.found.get("scope"))
    return narrowed_scope(check, f.token, f.subject_scopes, f.expect)


def _organization(f: Facts) -> Check | None:
    if not f.expect.organization_required and "organization" not in f.found:
        return None
    return organization_check(f.token, f.expect, f.found.get("organization"))


def _certificate(f: Facts) -> Check | None:
    return certificate_check(f.token, f.certificate, f.expect, f.found.get("certificate"))


# Each code the table finds, and the check that explains it.
EXPLAIN: dict[Code, Explain] = {
    **dict.fromkeys(FORM, _format),
    Code.ALG_NONE: _alg,
    Code.ALG_SYMMETRIC: _alg,
    Code.ALG_NOT_ALLOWED: _alg,
    Code.CRIT_NOT_UNDERSTOOD: _crit,
    Code.TYP_NOT_AT_JWT: _typ,
    Code.KID_MISSING: _kid,
    Code.KID_UNKNOWN: _kid,
    Code.KEY_TYPE_MISMATCH: _signature,
    Code.KEY_ALG_MISMATCH: _signature,
    Code.KEY_TOO_SMALL: _signature,
    Code.SIGNATURE_INVALID: _signature,
    Code.ISS_MISMATCH: _iss,
    Code.ISS_TRAILING_SLASH: _iss,
    Code.AUD_MISMATCH: _aud,
    Code.ACT_MALFORMED: _actor,
    Code.ACTOR_MISSING: _actor,
    Code.ACTOR_NOT_ACCEPTED: _actor,
    Code.NOT_A_STRING: _sub,  # and an aud member's: the aud check says its own
    Code.EXP_MISSING: _exp,
    Code.NOT_A_NUMBER: _exp,  # and nbf's, iat's: each time check says its own
    Code.EXPIRED: _exp,
    Code.NOT_YET_VALID: _nbf,
    Code.IAT_FUTURE: _iat,
    Code.CLAIMS_MISSING: _claims,
    Code.CLAIM_REQUIRED: _required,
    Code.CLAIM_VALUE: _required,
    Code.NOT_CERT_BOUND: _certificate,
    Code.CERT_MISSING: _certificate,
    Code.CERT_MISMATCH: _certificate,
    Code.ORGANIZATION_MISSING: _organization,
    Code.ORGANIZATION_NOT_SERVED: _organization,
    Code.SCOPE_NOT_STRING: _scope,
    Code.SCOPE_MISSING: _scope,
}
# Explained elsewhere: how the token came and its DPoP proof (dpop_checks, which reads
# the proof as well), and introspection's answer (opaque_checks.active_check).
ELSEWHERE = frozenset(
    {
        Code.DPOP_REQUIRED,
        Code.DPOP_BOUND_AS_BEARER,
        Code.NOT_BOUND_AS_DPOP,
        Code.INACTIVE,
        *(c for c in Code if c.startswith("proof_")),
    }
)
assert set(EXPLAIN) | ELSEWHERE == set(Code), "every code the table finds is explained"

# The checks a token's diagnosis shows, in the table's order: one order for the rules
# (the API's), not a second one kept beside it. Each check once, at its first code's row.
SHOWN: tuple[Explain, ...] = tuple(
    dict.fromkeys(EXPLAIN[code] for row in TABLE for code in row.codes if code in EXPLAIN)
)


def explain(facts: Facts, active: Check | None = None) -> list[Check]:
    """The token's checks, each explaining what the table found for it (or that its
    rule passed); `active`: introspection's check, after the form (where the table's
    `active` row stands)."""
    checks = []
    for shown in SHOWN:
        check = shown(facts)
        if check is not None:
            checks.append(check)
        if shown is _format and active is not None:
            checks.append(active)
    return checks
