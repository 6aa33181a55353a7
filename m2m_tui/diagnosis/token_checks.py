"""Why an API refused a token: ordered checks, each with what it found and how to fix it,
set beside what the server itself answered. UI-free; the TUI and `diagnose` render it."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from m2m_tui.diagnosis.check import Check, Expectations
from m2m_tui.diagnosis.claim_checks import (
    aud_check,
    iss_check,
    organization_check,
    scope_check,
    typ_check,
)
from m2m_tui.diagnosis.opaque_checks import active_check, opaque_checks
from m2m_tui.diagnosis.time_checks import exp_check, iat_check, nbf_check
from m2m_tui.diagnosis.www_authenticate import parse_challenge
from m2m_tui.tokens.decoded import DecodedToken, NotAJwt, bound_jkt, decode
from m2m_tui.tokens.signature import ALLOWED

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


def _mode(expect: Expectations) -> str:
    """What the API's way of checking tokens means for this one (RFC 9728 metadata)."""
    if expect.validation == "jwt":
        return "; this API validates JWTs itself: a revoked token passes until its exp"
    if expect.validation == "introspection":
        return (
            "; this API asks the authorization server about every token (RFC 7662): a "
            "revoked token is refused at once"
        )
    return ""


# The `error` values of a challenge that are about the token, not the request
# (RFC 6750 §3.1; RFC 9449 §7.1 for DPoP).
TOKEN_ERRORS = frozenset(
    {"invalid_token", "insufficient_scope", "invalid_dpop_proof", "use_dpop_nonce"}
)


@dataclass
class ServerAnswer:
    status: int | None
    www_authenticate: dict[str, str] = field(default_factory=dict)
    date: float | None = None  # the server's clock, from its Date header
    message: str = ""  # what the body said, for a request that failed for another reason

    @classmethod
    def from_headers(
        cls, status: int | None, headers: dict[str, str], body: str | None = None
    ) -> ServerAnswer:
        lower = {k.lower(): v for k, v in headers.items()}
        date = None
        if "date" in lower:
            try:
                date = parsedate_to_datetime(lower["date"]).timestamp()
            except (TypeError, ValueError):
                date = None
        return cls(
            status, parse_challenge(lower.get("www-authenticate")), date, _body_message(body)
        )

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def refused_token(self) -> bool:
        """401 and 403 are refusals of the token (RFC 6750 §3.1), and so is a token error
        in the challenge whatever the status; a 400 about a parameter, a 404 or a 5xx
        says nothing against the token."""
        if self.status is None:
            return False
        return self.status in (401, 403) or self.www_authenticate.get("error") in TOKEN_ERRORS

    @property
    def request_failed(self) -> bool:
        return self.status is not None and not self.accepted and not self.refused_token

    def failure(self) -> str:
        """The request's own failure, as the server put it: "400: the query parameter …"."""
        return f"{self.status}: {self.message}" if self.message else str(self.status)


def _body_message(body: str | None) -> str:
    if not body:
        return ""
    import json

    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    error = data.get("error")
    text = data.get("error_description") or data.get("message")
    parts = [str(v) for v in (error, text) if isinstance(v, str) and v]
    return ": ".join(parts)[:300]


@dataclass
class Diagnosis:
    checks: list[Check]
    server: ServerAnswer | None
    agreement: str = ""
    # Where the Management API was asked: its OrganizationPlan (m2m_tui.admin) for a
    # failed organization check, which the Why? panel's f applies.
    organization_plan: object = None

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if c.ok is False]

    @property
    def verdict(self) -> str:
        """About the token alone: a request that failed for another reason (a missing
        parameter, an unknown path) does not make the token rejected."""
        if self.server is not None and self.server.status is not None:
            return "rejected" if self.server.refused_token else "accepted"
        return "rejected" if self.failed else "accepted"

    @property
    def outcome(self) -> str | None:
        """What the server did: "succeeded", "token_refused" or "request_failed"
        (the token was not refused, the request failed for its own reasons)."""
        server = self.server
        if server is None or server.status is None:
            return None
        if server.refused_token:
            return "token_refused"
        return "request_failed" if server.request_failed else "succeeded"

    def to_json(self) -> dict:
        server = None
        if self.server is not None:
            server = {
                "status": self.server.status,
                "www_authenticate": self.server.www_authenticate,
                "message": self.server.message,
            }
        return {
            "verdict": self.verdict,
            "outcome": self.outcome,
            "failed": self.failed,
            "checks": [asdict(c) for c in self.checks],
            "server": server,
            "agreement": self.agreement,
        }


def run_checks(
    token: DecodedToken | NotAJwt | str,
    expect: Expectations,
    jwks: dict | None,
    server: ServerAnswer | None = None,
    now: float | None = None,
    dpop: DpopFacts | None = None,
    introspection: Introspected | None = None,
) -> Diagnosis:
    """The token's checks, then (when DPoP is involved) the proof's and the binding's.
    `token` is the token parsed once (or why it is not a JWT); raw text is parsed here.
    An opaque token is checked through `introspection`, what its issuer said of it; so
    is whether a JWT is still active, for an API that introspects."""
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

            checks += dpop_checks(said.raw, bound_jkt(said), dpop, challenge, clock)
        return _with_agreement(Diagnosis(checks, server))
    if isinstance(token, NotAJwt):
        exc = token
        opaque = "opaque" in str(exc)
        checks.append(
            Check(
                "format",
                False,
                f"not a JWT: {exc}",
                "Request the token with the API's `audience` (Auth0 issues an opaque token when "
                "none is sent), then try again."
                if opaque
                else "Send the whole access token, exactly as the token endpoint returned it.",
            )
        )
        checks += [Check(n, None, "not checked: the token is not a JWT") for n in CHECK_NAMES[1:]]
        return _with_agreement(Diagnosis(checks, server))
    checks.append(
        Check("format", True, "three base64url parts holding JSON objects" + _mode(expect))
    )
    if introspection is not None:  # an API that introspects: what the issuer says now
        checks.append(active_check(introspection.body, introspection.why_not))
    checks.append(_alg(token))
    kid_check, key = _kid(token, jwks)
    checks.append(kid_check)
    checks.append(_signature(token, key, kid_check))
    checks.append(iss_check(token, expect))
    checks.append(aud_check(token, expect))
    checks.append(exp_check(token, clock, skew, expect.leeway, server_now is not None))
    checks.append(nbf_check(token, clock, expect.leeway))
    checks.append(iat_check(token, clock, skew, expect.leeway, accepted))
    checks.append(typ_check(token, expect))
    checks.append(scope_check(token, expect))
    if expect.organization_required:
        checks.append(organization_check(token, expect))
    if dpop is not None and dpop.involved(bound_jkt(token), challenge):
        from m2m_tui.diagnosis.dpop_checks import dpop_checks

        checks += dpop_checks(token.raw, bound_jkt(token), dpop, challenge, clock)
    return _with_agreement(Diagnosis(checks, server))


def _alg(token: DecodedToken) -> Check:
    alg = token.header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        return Check(
            "alg",
            False,
            f"alg is {alg!r}: an unsigned token",
            "Use the token exactly as issued; no API accepts alg none.",
        )
    if alg.startswith("HS"):
        return Check(
            "alg",
            False,
            f"alg {alg} is symmetric (a shared secret) at an API that verifies with the "
            "issuer's public keys (RS256): never accepted, since that is the classic "
            "key-confusion trick",
            "Use the token the authorization server issued; if it issued this one, set the "
            "API's signing algorithm to RS256 at the issuer (Auth0: the API's settings, "
            "Signing Algorithm) and request a new token.",
        )
    if alg not in ALLOWED:
        return Check(
            "alg",
            False,
            f"alg {alg} is not an allowed algorithm",
            "Configure the API to accept the issuer's algorithm, or the issuer to use RS256.",
        )
    return Check("alg", True, f"{alg} is allowed")


def _kid(token: DecodedToken, jwks: dict | None) -> tuple[Check, dict | None]:
    kid = token.header.get("kid")
    if not isinstance(kid, str) or not kid:
        return Check(
            "kid",
            False,
            "the header has no kid, so no key can be chosen",
            "Use a token from an issuer that sets kid (Auth0 always does).",
        ), None
    if jwks is None:
        return Check("kid", None, "not checked: the issuer's JWKS could not be fetched"), None
    for entry in jwks.get("keys", []):
        if isinstance(entry, dict) and entry.get("kid") == kid:
            return Check("kid", True, f"{kid} is in the issuer's current JWKS"), entry
    return Check(
        "kid",
        False,
        "kid is not in the issuer's current JWKS: the key was rotated out or revoked, or the "
        "token came from another tenant or issuer",
        "Request a new token (it will be signed with a current key); if that fails too, check "
        "that the API and the client use the same issuer/tenant.",
    ), None


def _signature(token: DecodedToken, key: dict | None, kid_check: Check) -> Check:
    if key is None:
        return Check("signature", None, "not checked: no key for this kid")
    import jwt

    alg = token.header.get("alg")
    try:
        valid = jwt.get_algorithm_by_name(alg).verify(
            token.signing_input, jwt.PyJWK(key).key, token.signature
        )
    except Exception as exc:  # a key or signature that cannot even be used is a failure
        return Check(
            "signature", False, f"cannot verify: {exc}", "Use the token exactly as issued."
        )
    if not valid:
        return Check(
            "signature",
            False,
            "the signature does not match: the token was altered after issue, or "
            "signed by another key under the same kid",
            "Use the token exactly as issued; changing any claim breaks the signature.",
        )
    return Check("signature", True, f"verified with key {token.header.get('kid')} ({alg})")


def _with_agreement(diagnosis: Diagnosis) -> Diagnosis:
    server = diagnosis.server
    if server is None or server.status is None:
        return diagnosis
    local_ok = not diagnosis.failed
    said = (
        server.www_authenticate.get("error_description")
        or server.www_authenticate.get("error")
        or ""
    )
    if server.request_failed:
        # Not a refusal of the token: say what failed, and no token theories.
        note = (
            f"The server did not refuse the token; the request itself failed ({server.failure()})."
        )
        if not local_ok:
            note += f" The local checks fail ({', '.join(diagnosis.failed)}), though."
        diagnosis.agreement = note
    elif local_ok and server.refused_token:
        diagnosis.agreement = (
            f"The local checks pass, but the server refused ({server.status}"
            f"{': ' + said if said else ''}). Likely reasons: the server's clock differs from "
            "yours; the server holds a stale JWKS (a key it has not fetched yet, or one revoked "
            "that it still caches); it expects a different audience or issuer than this profile "
            "says; or it requires something more (typ at+jwt, another scope)."
        )
    elif not local_ok and not server.refused_token:
        diagnosis.agreement = (
            f"The server accepted the token although the local checks fail "
            f"({', '.join(diagnosis.failed)}). Likely reasons: the server caches a JWKS that "
            "still holds a revoked key, uses a larger clock leeway, or checks a different "
            "audience or issuer than this profile says."
        )
    else:
        diagnosis.agreement = "The server's answer agrees with the local checks."
    return diagnosis
