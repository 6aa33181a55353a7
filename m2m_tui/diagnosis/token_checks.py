"""Why an API refused a token: ordered checks, each with what it found and how to fix it,
set beside what the server itself answered. UI-free; the TUI and `diagnose` render it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from m2m_tui.diagnosis.agreement import with_agreement
from m2m_tui.diagnosis.answer_checks import delivery_check, size_check
from m2m_tui.diagnosis.check import Check, Expectations, judged
from m2m_tui.diagnosis.explanations import Facts, explain
from m2m_tui.diagnosis.jws_checks import not_a_jwt_check
from m2m_tui.diagnosis.opaque_checks import active_check, opaque_checks
from m2m_tui.diagnosis.redirect_checks import redirect_check
from m2m_tui.diagnosis.report import Agreement, Diagnosis
from m2m_tui.diagnosis.server_answer import TOKEN_ERRORS, ServerAnswer
from m2m_tui.tokens.decoded import DecodedToken, NotAJwt, bound_jkt, decode
from oauth_primitives.rules.jws import Jws
from oauth_primitives.rules.keys import signing_keys
from oauth_primitives.rules.table import Presented

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

# The checks every JWT gets, in the order they are shown (the rule table's, through
# explanations.SHOWN; a test holds a good token's checks to this list).
CHECK_NAMES = (
    "format",
    "alg",
    "typ",
    "kid",
    "signature",
    "iss",
    "aud",
    "exp",
    "nbf",
    "iat",
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
    redirect = redirect_check(server)
    if redirect is not None:
        checks.append(redirect)
    # The API never saw the token: judge nothing it did not. (After a redirect that
    # dropped it, the redirect check has said so, and why.)
    delivery = None if server and server.token_dropped else delivery_check(server, sent_scheme)
    if delivery is not None:
        checks.append(delivery)
    if isinstance(token, NotAJwt):
        checks.append(not_a_jwt_check(token, expect.audience))
        checks += [Check(n, None, "not checked: the token is not a JWT") for n in CHECK_NAMES[1:]]
        return with_agreement(Diagnosis(checks, server))
    size = size_check(len(token.raw), server)
    if size is not None:
        checks.append(size)
    keys, why = _signing_keys(jwks)
    presented = Presented(
        token.raw,
        expect.policy,
        clock,
        scheme=sent_scheme,
        scope=expect.scope,
        certificate=certificate,
        keys=keys,
        jws=Jws(token.raw, token.header, token.payload, token.signature, token.signing_input),
        limit=expect.max_token,
    )
    facts = Facts(token, expect, judged(presented), keys, why, clock, skew, accepted)
    facts.by_server, facts.certificate = server_now is not None, certificate
    # An API that introspects: what the issuer says of the token now.
    active = None
    if introspection is not None:
        active = active_check(introspection.body, introspection.why_not)
    checks += explain(facts, active)
    if dpop is not None and dpop.involved(bound_jkt(token), challenge):
        from m2m_tui.diagnosis.dpop_checks import dpop_checks

        checks += dpop_checks(token.raw, bound_jkt(token), dpop, challenge, clock, server)
    return with_agreement(Diagnosis(checks, server), token, expect, clock)


def _signing_keys(jwks: dict | None) -> tuple[dict | None, str]:
    """The JWKS's signing keys by kid, or None and why they are not known."""
    if jwks is None:
        return None, "the issuer's JWKS could not be fetched"
    try:
        return signing_keys(jwks), ""
    except ValueError:
        return None, "the issuer's JWKS has no keys array"
