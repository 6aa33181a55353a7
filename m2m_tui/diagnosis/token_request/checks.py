"""The checks a client can make of its own token request against the server's metadata
(RFC 8414): the authentication method, the Basic header's encoding, the assertion's
algorithm and claims (by the rule book's own rows, `ASSERTION_CLAIM_ROWS`, as the
authority runs them), the client certificate, the DPoP proof. Each failed check carries
the refusal code the authority would answer with, so that the report can set its
finding beside the server's."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from m2m_tui.oauth.sent_request import SentRequest
from oauth_primitives.rules.client_auth import (
    ASSERTION_CLAIM_ROWS,
    MAX_ASSERTION_LIFETIME,
    AssertionCheck,
    assertion_method,
)
from oauth_primitives.rules.closed_sets import AuthMethod
from oauth_primitives.rules.jws import Jws
from oauth_primitives.token_refusals import Refusal

# RFC 7523 §3 lets a server take its token endpoint as the assertion's audience;
# draft-ietf-oauth-rfc7523bis asks for the issuer identifier alone, and providers move.
AUDIENCE_NOTE = (
    "RFC 7523 lets a server take its token endpoint URL as the audience; "
    "draft-ietf-oauth-rfc7523bis asks for the issuer identifier alone, and providers are "
    "moving to it"
)


@dataclass
class RequestCheck:
    name: str
    ok: bool | None  # None: a warning, or nothing to check against
    detail: str
    fix: str = ""
    refusal: Refusal | None = None  # what the authority answers when this fails


@dataclass(frozen=True)
class CertificateSeen:
    """The profile's client certificate, as the diagnosis shows it."""

    thumbprint: str
    subject: str
    self_signed: bool


def request_checks(
    sent: SentRequest,
    metadata: dict,
    server_time: float | None = None,
    certificate: CertificateSeen | None = None,
) -> list[RequestCheck]:
    checks = []
    if sent.method is not None and sent.method.by_certificate:
        # First: over plain HTTP a server lists no mTLS method, and the missing
        # certificate is what to fix.
        checks.extend(_certificate(sent, metadata, certificate))
    checks.append(_method(sent, metadata))
    if sent.basic:
        checks.append(_basic(sent, metadata))
    if sent.assertion_header is not None or sent.assertion_problem:
        checks.extend(_assertion(sent, metadata, server_time))
    if sent.proof is not None:
        checks.append(_proof(sent))
    return [c for c in checks if c is not None]


def _listed(metadata: dict, field: str) -> list[str] | None:
    value = metadata.get(field)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else None


def _method(sent: SentRequest, metadata: dict) -> RequestCheck:
    if sent.method is None:
        return RequestCheck(
            "method",
            False,
            "the request carries no client authentication (no secret, assertion or certificate)",
            "set the profile's auth_method and its credential",
            Refusal.BAD_CLIENT_CREDENTIALS,
        )
    supported = _listed(metadata, "token_endpoint_auth_methods_supported")
    if supported is None:
        return RequestCheck(
            "method",
            None,
            f"sent {sent.method}; the server's metadata lists no "
            "token_endpoint_auth_methods_supported to check it against",
        )
    if sent.method in supported:
        return RequestCheck("method", True, f"sent {sent.method}, which the server lists")
    return RequestCheck(
        "method",
        False,
        f"sent {sent.method}; the server lists only {', '.join(supported) or 'none'}",
        f"set the profile's auth_method to one of {', '.join(supported)}, as the client "
        "is registered",
        Refusal.METHOD_NOT_SUPPORTED,
    )


def _basic(sent: SentRequest, metadata: dict) -> RequestCheck:
    if not sent.encoding_changed:
        return RequestCheck(
            "basic encoding",
            True,
            f"Basic credentials for client {sent.client_id}: form-encoding leaves them as "
            "they are, so servers that decode and servers that do not read the same secret",
        )
    post = AuthMethod.CLIENT_SECRET_POST in (
        _listed(metadata, "token_endpoint_auth_methods_supported")
        or [AuthMethod.CLIENT_SECRET_POST]
    )
    return RequestCheck(
        "basic encoding",
        None,
        f"Basic credentials for client {sent.client_id}: the id or secret holds characters "
        "that RFC 6749 §2.3.1's form-encoding changes (+ % : a space, non-ASCII); m2m-tui "
        "encodes them as the RFC requires, and a server that does not decode them reads "
        "another secret",
        'set the profile\'s auth_method = "client_secret_post" (the secret goes in the body, '
        "as it is)"
        if post
        else "ask the provider whether it decodes Basic credentials",
        Refusal.BASIC_ENCODING,
    )


def _assertion(sent: SentRequest, metadata: dict, server_time: float | None) -> list:
    if sent.assertion_problem:
        return [
            RequestCheck(
                "assertion",
                False,
                f"the client_assertion could not be read: {sent.assertion_problem}",
                "",
                Refusal.ASSERTION_MALFORMED,
            )
        ]
    checks = [_assertion_alg(sent, metadata)]
    now = server_time if server_time is not None else sent.sent_at
    issuer = metadata.get("issuer") if isinstance(metadata.get("issuer"), str) else None
    endpoint = metadata.get("token_endpoint")
    audiences = tuple(a for a in (issuer, endpoint if isinstance(endpoint, str) else None) if a)
    if not audiences:
        audiences = (sent.url,)  # no metadata: the URL the request went to
    form_id = sent.client_id
    jws = Jws("", sent.assertion_header or {}, sent.assertion_claims or {}, b"", b"")
    check = AssertionCheck(form_id, (), audiences, now, lambda _k, _e: True, jws)
    for name, rule in ASSERTION_CLAIM_ROWS:
        refused = rule(check)
        claims = sent.assertion_claims or {}
        if refused is None:
            checks.append(
                RequestCheck(f"assertion {name}", True, _claim_detail(name, claims, check))
            )
            continue
        checks.append(
            RequestCheck(
                f"assertion {name}",
                False,
                _claim_detail(name, claims, check) + f": {refused.describe()}",
                _claim_fix(name, issuer),
                refused.code,
            )
        )
        break  # the rows after it read what this one found wrong
    return checks


def _assertion_alg(sent: SentRequest, metadata: dict) -> RequestCheck:
    alg = sent.assertion_alg
    listed = _listed(metadata, "token_endpoint_auth_signing_alg_values_supported")
    hmac = assertion_method(alg) is AuthMethod.CLIENT_SECRET_JWT
    if hmac != (sent.method is AuthMethod.CLIENT_SECRET_JWT):
        wanted = "an HMAC (HS256)" if not hmac else "an asymmetric (RS256, ES256…)"
        return RequestCheck(
            "assertion alg",
            False,
            f"signed with {alg}, and {sent.method} takes {wanted} algorithm",
            "sign with the method's kind of key",
            Refusal.ASSERTION_ALG,
        )
    if listed is None:
        return RequestCheck(
            "assertion alg",
            None,
            f"signed with {alg}; the server's metadata lists no "
            "token_endpoint_auth_signing_alg_values_supported",
        )
    if alg in listed:
        return RequestCheck("assertion alg", True, f"signed with {alg}, which the server lists")
    return RequestCheck(
        "assertion alg",
        False,
        f"signed with {alg}; the server lists only {', '.join(listed)}",
        "use a method whose algorithm the server lists (it takes no HMAC: not client_secret_jwt)"
        if hmac
        else "use a key of a type the server takes (`m2m-tui certs` / private_key_file)",
        Refusal.ASSERTION_ALG,
    )


def _claim_detail(name: str, claims: dict, check: AssertionCheck) -> str:
    if name == "claims":
        return (
            "iss, sub, aud, exp and jti are there"
            if all(c in claims for c in ("iss", "sub", "aud", "exp", "jti"))
            else "a required claim is missing"
        )
    if name in ("iss", "sub"):
        return f"{name} {claims.get(name)!r}, the client id is {check.client_id!r}"
    if name == "aud":
        taken = " or ".join(check.audiences)
        return f"aud {claims.get('aud')!r}; this server's audiences: {taken} ({AUDIENCE_NOTE})"
    if name in ("exp", "nbf", "iat") and isinstance(claims.get(name), int | float):
        ahead = claims[name] - check.now
        when = f"{abs(ahead):.0f} s {'after' if ahead >= 0 else 'before'} the server's now"
        limit = f" (at most {MAX_ASSERTION_LIFETIME} s ahead)" if name == "exp" else ""
        return f"{name} {when}{limit}"
    if name == "jti":
        return f"jti {str(claims.get('jti'))[:40]!r} (a server takes each jti once)"
    return f"{name}: not sent"


def _claim_fix(name: str, issuer: str | None) -> str:
    if name == "aud":
        target = f' ("{issuer}")' if issuer else ""
        return (
            f'set the profile\'s assertion_audience = "issuer"{target} or "token_endpoint", '
            "the one this server takes"
        )
    if name in ("exp", "iat", "nbf"):
        return "set this machine's clock right (NTP): the assertion's times follow it"
    return "m2m-tui makes the assertion: this is another client's, or a hand-made one"


def _certificate(
    sent: SentRequest, metadata: dict, certificate: CertificateSeen | None
) -> list[RequestCheck]:
    https = urlsplit(sent.url).scheme == "https"
    if certificate is None or not https:
        why = (
            "the profile names no client certificate"
            if certificate is None
            else (f"{sent.url} is plain HTTP, where no certificate is presented")
        )
        return [
            RequestCheck(
                "certificate",
                False,
                f"{sent.method} needs a client certificate: {why}",
                "set client_certificate and client_key, and call the https issuer",
                Refusal.NO_CERTIFICATE,
            )
        ]
    kind = "self-signed" if certificate.self_signed else "CA-issued"
    checks = [
        RequestCheck(
            "certificate",
            True,
            f"presented {certificate.subject} ({kind}), x5t#S256 {certificate.thumbprint}",
        )
    ]
    if sent.method is AuthMethod.TLS_CLIENT_AUTH and certificate.self_signed:
        checks.append(
            RequestCheck(
                "certificate issuer",
                False,
                "tls_client_auth takes a certificate a trusted CA issued; this one is self-signed",
                "use self_signed_tls_client_auth, or a CA-issued certificate "
                "(`m2m-tui certs create --issued`)",
                Refusal.CERTIFICATE_NOT_CA_ISSUED,
            )
        )
    aliases = metadata.get("mtls_endpoint_aliases")
    alias = aliases.get("token_endpoint") if isinstance(aliases, dict) else None
    if isinstance(alias, str) and alias != sent.url:
        checks.append(
            RequestCheck(
                "mtls alias",
                None,
                f"the server names {alias} for mutual TLS (RFC 8705 §5); this went to {sent.url}",
                "remove the profile's token_endpoint, so discovery picks the alias",
            )
        )
    return checks


def _proof(sent: SentRequest) -> RequestCheck:
    proof = sent.proof or {}
    claims = proof.get("claims") or {}
    if "problem" in proof:
        return RequestCheck("dpop proof", False, "the DPoP proof is not a JWT")
    target = urlsplit(sent.url)
    wanted = f"{target.scheme}://{target.netloc}{target.path}"
    if claims.get("htm") != "POST" or claims.get("htu") != wanted:
        return RequestCheck(
            "dpop proof",
            False,
            f"htm {claims.get('htm')!r} htu {claims.get('htu')!r}; the request is POST {wanted}",
        )
    nonce = f", nonce {claims['nonce'][:16]}…" if isinstance(claims.get("nonce"), str) else ""
    return RequestCheck(
        "dpop proof", True, f"htm POST, htu {wanted}{nonce} (RFC 9449 §4.2), key in the header"
    )
