"""Why an API refused a token: ordered checks, each with what it found and how to fix it,
set beside what the server itself answered. UI-free; the TUI and `diagnose` render it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from m2m_tui.diagnosis.agreement import with_agreement
from m2m_tui.diagnosis.answer_checks import delivery_check, size_check
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
    typ_check,
)
from m2m_tui.diagnosis.jws_checks import (
    alg_check,
    format_check,
    kid_check,
    not_a_jwt_check,
    signature_check,
)
from m2m_tui.diagnosis.opaque_checks import active_check, opaque_checks
from m2m_tui.diagnosis.report import Agreement, Diagnosis
from m2m_tui.diagnosis.server_answer import TOKEN_ERRORS, ServerAnswer
from m2m_tui.diagnosis.time_checks import exp_check, iat_check, nbf_check
from m2m_tui.tokens.decoded import DecodedToken, NotAJwt, bound_jkt, decode
from oauth_primitives.rules.keys import alg_finding

__all__ = [  # what the front ends import from here
    "CHECK_NAMES",
    "TOKEN_ERRORS",
    "Agreement",
    "Diagnosis",
    "Expectations",
    "Introspected",
    "ServerAnswer",
    "run_checks",
]

if TYPE_CHECKING:
    from m2m_tui.diagnosis.dpop_checks import DpopFacts

CHECK_NAMES = (
    "format",
    "alg",
    "kid",
    "signature",
    "iss",
    "aud",
    "exp",
    "nbf",
    "iat",
    "typ",
    "scope",
)


@dataclass
class Introspected:
    """What the issuer said of an opaque token (RFC 7662): its response, or why there is
    none."""

    raw: str
    body: dict | None
    why_not: str = ""


def run_checks(
    token: DecodedToken | NotAJwt | str,
    expect: Expectations,
    jwks: dict | None,
    server: ServerAnswer | None = None,
    now: float | None = None,
    dpop: DpopFacts | None = None,
    introspection: Introspected | None = None,
    certificate: str | None = None,
) -> Diagnosis:
    """The token's checks, then (when DPoP is involved) the proof's and the binding's.
    `token` is the token parsed once (or why it is not a JWT); raw text is parsed here.
    An opaque token is checked through `introspection`, what its issuer said of it; so
    is whether a JWT is still active, for an API that introspects. `certificate` is the
    thumbprint of the client certificate the call presented (mutual TLS), if any."""
    local_now = time.time() if now is None else now
    checks: list[Check] = []
    if isinstance(token, str):
        try:
            token = decode(token)
        except NotAJwt as exc:
            token = exc
    server_now = server.date if server is not None and server.date else None
    clock = server_now or local_now
    skew = (server_now - local_now) if server_now else 0.0
    accepted = server is not None and server.status is not None and server.status < 400
    challenge = server.www_authenticate if server is not None else {}
    if isinstance(token, NotAJwt) and introspection is not None:
        checks, said = opaque_checks(
            introspection.raw,
            str(token),
            expect,
            introspection.body,
            introspection.why_not,
            clock,
            skew,
            accepted,
        )
        if said is not None and dpop is not None and dpop.involved(bound_jkt(said), challenge):
            from m2m_tui.diagnosis.dpop_checks import dpop_checks

            checks += dpop_checks(said.raw, bound_jkt(said), dpop, challenge, clock, server)
        return with_agreement(Diagnosis(checks, server))
    sent_scheme = dpop.scheme if dpop is not None else "Bearer"
    delivery = delivery_check(server, sent_scheme)
    if delivery is not None:  # the API never saw the token: judge nothing it did not
        checks.append(delivery)
    if isinstance(token, NotAJwt):
        checks.append(not_a_jwt_check(token))
        checks += [Check(n, None, "not checked: the token is not a JWT") for n in CHECK_NAMES[1:]]
        return with_agreement(Diagnosis(checks, server))
    size = size_check(len(token.raw), server)
    if size is not None:
        checks.append(size)
    checks.append(format_check(token, expect))
    if introspection is not None:  # an API that introspects: what the issuer says now
        checks.append(active_check(introspection.body, introspection.why_not))
    alg = alg_finding(token.header.get("alg"), expect.algorithms)
    checks.append(alg_check(token, alg, expect))
    checks += [c for c in (crit_check(token),) if c is not None]
    kid, key = kid_check(token, jwks)
    checks.append(kid)
    checks.append(signature_check(token, key, alg))
    checks.append(iss_check(token, expect))
    checks.append(aud_check(token, expect))
    checks.append(exp_check(token, clock, skew, expect.leeway, server_now is not None))
    checks.append(nbf_check(token, clock, expect.leeway))
    checks.append(iat_check(token, clock, skew, expect.leeway, accepted))
    checks.append(typ_check(token, expect))
    checks += [c for c in (claims_check(token, expect),) if c is not None]
    checks += [c for c in (required_claims_check(token, expect),) if c is not None]
    checks.append(scope_check(token, expect))
    if expect.organization_required:
        checks.append(organization_check(token, expect))
    checks += [c for c in (certificate_check(token, certificate, expect),) if c is not None]
    if dpop is not None and dpop.involved(bound_jkt(token), challenge):
        from m2m_tui.diagnosis.dpop_checks import dpop_checks

        checks += dpop_checks(token.raw, bound_jkt(token), dpop, challenge, clock, server)
    return with_agreement(Diagnosis(checks, server), token, expect)
