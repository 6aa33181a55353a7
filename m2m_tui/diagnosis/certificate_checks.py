"""Mutual TLS (RFC 8705 §3): a token bound to a client certificate (cnf.x5t#S256)
against the certificate the call presented, and an API that takes bound tokens only.
The decision is the rule book's (certificate_finding); the words and the fix are here."""

from __future__ import annotations

from m2m_tui.diagnosis.causes import Cause
from m2m_tui.diagnosis.check import Check, Expectations
from m2m_tui.tokens.decoded import DecodedToken
from oauth_primitives.rules import Code, Finding
from oauth_primitives.rules.access_token import bound_x5t

PROFILE = (
    "Set the profile's client_certificate and client_key to the certificate the token "
    "was issued for (`m2m-tui certs create` made it), so that calls present it."
)


def certificate_check(
    token: DecodedToken, presented: str | None, expect: Expectations, finding: Finding | None
) -> Check | None:
    """Shown for a bound token, or at an API that requires bound tokens; `presented` is
    the thumbprint (x5t#S256) of the certificate the call presented, None for none."""
    bound = bound_x5t(token.payload)
    if bound is None and not expect.mtls_required:
        return None
    if finding is None:
        return Check(
            "certificate",
            True,
            f"bound to the client certificate {bound} (cnf.x5t#S256), the one presented",
        )
    if finding.code == Code.NOT_CERT_BOUND:
        return Check(
            "certificate",
            False,
            "this API takes certificate-bound tokens only (RFC 8705; its metadata's "
            "tls_client_certificate_bound_access_tokens), and the token has no cnf.x5t#S256",
            "Request the token over mutual TLS, presenting the client certificate, from an "
            "API whose proof_of_possession mechanism is mtls (Auth0: the API's settings), "
            "then call with the same certificate.",
            finding.code,
            Cause.NOT_CERTIFICATE_BOUND,
        )
    if finding.code == Code.CERT_MISSING:
        return Check(
            "certificate",
            False,
            f"the token is bound to a client certificate (cnf.x5t#S256 {bound}), and the "
            "call presented none: a bound token is good only over mutual TLS with that "
            "certificate (RFC 8705 §3)",
            PROFILE,
            finding.code,
            Cause.CERTIFICATE_MISSING,
        )
    return Check(
        "certificate",
        False,
        f"the call presented another client certificate (x5t#S256 {presented}) than the "
        f"one the token is bound to (cnf.x5t#S256 {bound})",
        "Call with the certificate the token was issued for, or get a new token with the "
        "certificate this profile presents. " + PROFILE,
        finding.code,
        Cause.CERTIFICATE_MISMATCH,
    )


def untrusted_certificate_check(thumbprint: str) -> Check:
    """The call presented a client certificate over TLS, and the server ended the
    connection before answering: its handshake turned the certificate away (TLS 1.3
    says so only by closing)."""
    return Check(
        "certificate",
        False,
        f"the server ended the connection as soon as the TLS handshake was done, after "
        f"this profile presented its client certificate (x5t#S256 {thumbprint}): it does "
        "not trust the certificate, so the token was never judged",
        "For self_signed_tls_client_auth, register the certificate (`m2m-tui certs "
        "register NAME CLIENT`); for tls_client_auth, use one issued by a CA the server "
        "trusts; behind an edge (nginx optional_no_ca), any certificate gets through.",
        "",
        Cause.CERTIFICATE_UNTRUSTED,
    )
