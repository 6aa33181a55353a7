"""Client authentication at the token endpoint.

- `client_secret_basic`: RFC 6749 §2.3.1, id and secret form-urlencoded inside Basic.
- `client_secret_post`: RFC 6749 §2.3.1, id and secret in the body.
- `private_key_jwt`: RFC 7523 §2.2 and §3, a JWT signed with the client's key.
- `client_secret_jwt`: OpenID Connect Core §9, the same JWT with an HMAC keyed with the
  client's secret, which the tenant keeps sealed for such a client (sealed_secrets.py).
  An assertion is judged by the client's registered method: its keys (or secret), and
  only its algorithms, so that an HMAC never passes for a private_key_jwt client, nor a
  signature of a key for a client_secret_jwt one (RFC 8725 §3.1).
- `tls_client_auth`: RFC 8705 §2.1, a certificate a trusted CA issued, whose subject DN
  is the one registered for the client.
- `self_signed_tls_client_auth`: RFC 8705 §2.2, the very certificate registered for it.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import unquote_plus

from oauth_primitives import x509
from oauth_primitives.rules.client_auth import (
    AssertionCheck,
    RegisteredKey,
    assertion_method,
    assertion_refusal,
    issued_refusal,
    method_refusal,
    read_assertion,
    secret_keys,
    secret_refusal,
    self_signed_refusal,
)
from oauth_primitives.rules.closed_sets import AuthMethod
from oauth_primitives.rules.jws import Jws
from oauth_primitives.rules.refused import Refused
from oauth_primitives.token_refusals import Refusal

from ..client_certs import Presented, presented
from .authority import Authority
from .errors import OAuthError, invalid_request, refused_error
from .models import Client
from .tenant import secret_matches

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class Credentials:
    method: AuthMethod | None  # None: a client certificate (either of RFC 8705's methods)
    client_id: str
    secret: str | None = None
    assertion: Jws | None = None
    certificate: Presented | None = None


def read_credentials(
    params: dict[str, str], authorization: str | None, certificate: Presented | None = None
) -> Credentials:
    """Which method the client used, and what it claims to be. Exactly one method; a
    client certificate with nothing else is mutual TLS (RFC 8705 §2: client_id names the
    client, the certificate authenticates it)."""
    methods = []
    basic = None
    if authorization and authorization[:6].lower() == "basic ":
        basic = _parse_basic(authorization[6:].strip())
        methods.append(AuthMethod.CLIENT_SECRET_BASIC)
    if "client_secret" in params:
        methods.append(AuthMethod.CLIENT_SECRET_POST)
    if "client_assertion" in params or "client_assertion_type" in params:
        methods.append(AuthMethod.PRIVATE_KEY_JWT)
    if len(methods) > 1:
        raise invalid_request(
            "Only one client authentication method may be used; got " + ", ".join(methods)
        )
    if not methods:
        if "client_id" not in params:
            raise invalid_request("Missing required parameter: client_id")
        # A certificate, or nothing: which it must be, the registered method says.
        return Credentials(None, params["client_id"], certificate=certificate)
    method = methods[0]
    if method is AuthMethod.CLIENT_SECRET_BASIC:
        client_id, secret = basic
        if "client_id" in params and params["client_id"] != client_id:
            raise invalid_request("client_id in the body differs from the Basic credentials")
        return Credentials(method, client_id, secret=secret)
    if method is AuthMethod.CLIENT_SECRET_POST:
        if "client_id" not in params:
            raise invalid_request("Missing required parameter: client_id")
        return Credentials(method, params["client_id"], secret=params["client_secret"])
    if params.get("client_assertion_type") != JWT_BEARER:
        raise invalid_request(f"client_assertion_type must be {JWT_BEARER}")
    if not params.get("client_assertion"):
        raise invalid_request("Missing required parameter: client_assertion")
    jws = read_assertion(params["client_assertion"])
    if isinstance(jws, Refused):
        raise refused_error(jws)
    issuer = jws.payload["iss"]
    if "client_id" in params and params["client_id"] != issuer:
        raise invalid_request("client_id differs from the client_assertion's iss")
    return Credentials(assertion_method(jws.header.get("alg")), issuer, assertion=jws)


def _parse_basic(encoded: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError(
            401, "invalid_client", "Malformed Basic credentials", {"WWW-Authenticate": "Basic"}
        ) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError(
            401, "invalid_client", "Malformed Basic credentials", {"WWW-Authenticate": "Basic"}
        )
    # RFC 6749 §2.3.1: both parts are application/x-www-form-urlencoded inside Basic.
    return unquote_plus(client_id), unquote_plus(secret)


def authenticated_client(authority: Authority, params: dict[str, str], request) -> Client:
    """The client behind a request to any endpoint that takes client credentials (the
    token endpoint, introspection, revocation): read, throttled, authenticated."""
    certificate = presented(request.scope, authority.trusted_edges)
    creds = read_credentials(params, request.headers.get("authorization"), certificate)
    address = request.client.host if request.client else "unknown"
    lockout = authority.throttle.check(creds.client_id, address)
    if lockout is not None:
        raise OAuthError(
            429,
            "too_many_attempts",
            lockout.message,
            {"Retry-After": str(lockout.retry_after)},
            rule=Refusal.THROTTLED,
        )
    try:
        client = authenticate(authority, creds)
    except OAuthError:
        authority.throttle.failed(creds.client_id, address)
        raise
    authority.throttle.succeeded(creds.client_id, address)
    return client


def authenticate(authority: Authority, creds: Credentials) -> Client:
    """The client, when its credentials are right; otherwise OAuthError 401 invalid_client,
    with the rule book's code and words for why."""
    basic = creds.method is AuthMethod.CLIENT_SECRET_BASIC
    headers = {"WWW-Authenticate": "Basic"} if basic else {}
    client = authority.tenant.clients.get(creds.client_id)
    refused = _refusal(authority, client, creds)
    if refused is not None:
        raise refused_error(refused, headers)
    return client  # type: ignore[return-value]  # known: no refusal


def _refusal(authority: Authority, client: Client | None, creds: Credentials) -> Refused | None:
    if creds.method is None and creds.certificate is None:
        if client is not None and AuthMethod(client.token_endpoint_auth_method).by_certificate:
            return Refused(
                Refusal.NO_CERTIFICATE, {"registered": client.token_endpoint_auth_method}
            )
        raise OAuthError(
            401, "invalid_client", "Client authentication is required (no client_secret was sent)"
        )
    if client is None:
        return secret_refusal(known=False, matches=False)
    registered = AuthMethod(client.token_endpoint_auth_method)
    used = creds.method
    if used is None:  # a certificate stands for the method registered, if that takes one
        used = registered if registered.by_certificate else AuthMethod.TLS_CLIENT_AUTH
    wrong_method = method_refusal(registered, used)
    if wrong_method is not None:
        return wrong_method
    if used.by_assertion:  # so is the registered method: judged by its keys
        return assertion_refusal(_assertion_check(authority, client, registered, creds.assertion))
    if used.by_certificate:
        return _certificate_refusal(client, registered, creds.certificate)  # type: ignore[arg-type]
    return secret_refusal(True, secret_matches(creds.secret or "", client.secret_hash))


def _assertion_check(
    authority: Authority, client: Client, method: AuthMethod, jws: Jws | None
) -> AssertionCheck:
    """The assertion beside the registered method's keys: the public keys registered
    for private_key_jwt, or the client's secret for client_secret_jwt (none when the
    tenant keeps only its hash)."""
    if method is AuthMethod.CLIENT_SECRET_JWT:
        secret = authority.tenant.readable_secret(client)
        keys = secret_keys(secret) if secret is not None else ()
    else:
        keys = tuple(
            RegisteredKey(c.id, c.pem, c.alg)
            for c in client.credentials_for(AuthMethod.PRIVATE_KEY_JWT)
            if c.credential_type == "public_key"
        )
    return AssertionCheck(
        client.client_id,
        keys,
        (authority.issuer, authority.token_endpoint),
        authority.clock(),
        authority.tenant.revocations.use_assertion_id,
        jws,
        method=method,
    )


def _certificate_refusal(client: Client, method: AuthMethod, cert: Presented) -> Refused | None:
    """RFC 8705 §2: the presented certificate is the registered one (self-signed), or one
    a trusted CA issued for the registered subject DN (PKI)."""
    if method is AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH:
        registered = {c.thumbprint for c in client.credentials_for(method)}
        return self_signed_refusal(cert.thumbprint, registered)
    parsed = x509.load_certificate(x509.pem_of(cert.der))
    ca_issued = cert.ca_verified and (cert.via_edge or not x509.is_self_signed(parsed))
    names = x509.names_of(parsed)
    matched = any(_names_match(names, c) for c in client.credentials_for(method))
    return issued_refusal(ca_issued, names.subject_dn, matched)


def _names_match(names: x509.Names, cred) -> bool:
    """RFC 8705 §2.1.2: the registered subject DN, or the registered subjectAltName."""
    if cred.san:
        kind, _, value = cred.san.partition(":")
        return value in getattr(names, f"san_{kind}", ())
    return x509.same_dn(names.subject_dn, cred.subject_dn)
