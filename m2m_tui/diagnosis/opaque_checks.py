"""An opaque token (a reference, not a JWT) explained through RFC 7662 introspection:
what the authorization server says of it is checked as a JWT's claims would be
(active, iss, aud, exp, nbf, iat, scope, and the DPoP binding's `cnf`), and the checks
that need a header or a signature are said not to have run."""

from __future__ import annotations

from m2m_tui.diagnosis.check import Check, Expectations, judged
from m2m_tui.diagnosis.claim_checks import aud_check, iss_check, scope_check
from m2m_tui.diagnosis.time_checks import exp_check, iat_check, nbf_check
from m2m_tui.tokens.decoded import DecodedToken
from oauth_primitives.rules import Code, Finding
from oauth_primitives.rules.table import Presented

# The checks an introspection response cannot stand in for.
NEEDS_A_JWT = ("alg", "kid", "signature", "typ")
FROM_INTROSPECTION = ("iss", "aud", "exp", "nbf", "iat", "scope")


def format_check(expect: Expectations, detail: str) -> Check:
    """Whether an opaque token can work at this API depends on how the API checks tokens."""
    if expect.validation == "jwt":
        return Check(
            "format",
            False,
            f"not a JWT: {detail}; this API validates JWTs itself, so it cannot read an "
            "opaque token",
            "Request a JWT: name the API in the token request (Auth0: audience=…; "
            "RFC 8707: resource=…), or point the token at an API that introspects.",
            Code.OPAQUE,
        )
    if expect.validation == "introspection":
        return Check(
            "format", True, "an opaque token; this API asks the authorization server about it"
        )
    return Check(
        "format",
        None,
        "an opaque token (a reference, not a JWT): an API that validates JWTs refuses it, "
        "one that introspects (RFC 7662) accepts it",
    )


def opaque_checks(
    raw: str,
    detail: str,
    expect: Expectations,
    introspected: dict | None,
    why_not: str,
    clock: float,
    skew: float,
    accepted: bool,
) -> tuple[list[Check], DecodedToken | None]:
    """The checks, and the introspection response as a token whose claims the DPoP
    binding check can read (None when there is none)."""
    checks = [format_check(expect, detail)]
    if introspected is None:
        checks.append(active_check(None, why_not))
        checks += [
            Check(n, None, "not checked: an opaque token, and no introspection")
            for n in (*NEEDS_A_JWT, *FROM_INTROSPECTION)
        ]
        return checks, None
    checks.append(active_check(introspected, None))
    if introspected.get("active") is not True:
        checks += [
            Check(n, None, "not checked: an inactive token's introspection says nothing more")
            for n in (*NEEDS_A_JWT, *FROM_INTROSPECTION)
        ]
        return checks, None
    checks += [
        Check(n, None, "not checked: an opaque token has no header or signature")
        for n in NEEDS_A_JWT
    ]
    said = DecodedToken(raw=raw, header={}, payload=introspected, signature=b"")
    # The table's claim rows on what introspection said (no header: its rows are skipped).
    found = judged(Presented(None, expect.policy, clock, scope=expect.scope, claims=introspected))
    checks.append(
        iss_check(said, expect, found.get("iss"))
        if "iss" in introspected
        else Check("iss", None, "not checked: the introspection response names no issuer")
    )
    checks.append(_aud(said, expect, found.get("aud")))
    checks.append(exp_check(said, found.get("exp"), clock, skew, expect.leeway, True))
    checks.append(nbf_check(said, found.get("nbf"), clock, expect.leeway))
    checks.append(iat_check(said, found.get("iat"), clock, skew, expect.leeway, accepted))
    checks.append(scope_check(said, expect, found.get("scope")))
    return checks, said


def active_check(introspected: dict | None, why_not: str | None) -> Check:
    """What the issuer says of the token now (RFC 7662): only it knows of a revocation."""
    if introspected is None:
        return Check("active", None, f"not checked: could not introspect ({why_not})")
    if introspected.get("active") is not True:
        return Check(
            "active",
            False,
            "the authorization server says the token is not active (RFC 7662): it "
            "expired, was revoked, or is not its own",
            "Request a new token.",
            Code.INACTIVE,
        )
    return Check("active", True, "the authorization server says it is active (RFC 7662)")


def _aud(said: DecodedToken, expect: Expectations, finding: Finding | None) -> Check:
    if "aud" in said.payload:
        return aud_check(said, expect, finding)
    if expect.audience is None:
        return Check("aud", None, "not checked: introspection names no audience, nor does the API")
    # RFC 7662 makes aud optional, but an API that checks it (as it should) finds none.
    return Check(
        "aud",
        False,
        f"introspection names no audience: the token was issued for no API, and this API "
        f"expects {expect.audience}",
        f"Request the token for the API: resource={expect.audience} (RFC 8707), or "
        f"audience={expect.audience} (Auth0).",
        Code.AUD_MISMATCH,
    )
