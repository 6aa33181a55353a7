"""Client authentication at the token endpoint.

- `client_secret_basic`: RFC 6749 §2.3.1, id and secret form-urlencoded inside Basic.
- `client_secret_post`: RFC 6749 §2.3.1, id and secret in the body.
- `private_key_jwt`: RFC 7523 §2.2 and §3, a JWT signed with the client's key.
- `tls_client_auth`: RFC 8705 §2.1, a certificate a trusted CA issued, whose subject DN
  is the one registered for the client.
- `self_signed_tls_client_auth`: RFC 8705 §2.2, the very certificate registered for it.
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass
from urllib.parse import unquote_plus

import jwt

from oauth_primitives import x509

from ..client_certs import Presented, presented
from .errors import OAuthError, invalid_request
from .models import Client
from .state import Authority
from .tenant import secret_matches

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ASSERTION_LIFETIME = 300  # seconds: `exp` at most 5 minutes ahead
ASSERTION_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")


TLS_METHODS = ("tls_client_auth", "self_signed_tls_client_auth")


@dataclass
class Credentials:
    method: str
    client_id: str
    secret: str | None = None
    assertion: str | None = None
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
        methods.append("client_secret_basic")
    if "client_secret" in params:
        methods.append("client_secret_post")
    if "client_assertion" in params or "client_assertion_type" in params:
        methods.append("private_key_jwt")
    if len(methods) > 1:
        raise invalid_request(
            "Only one client authentication method may be used; got " + ", ".join(methods)
        )
    if not methods:
        if "client_id" not in params:
            raise invalid_request("Missing required parameter: client_id")
        if certificate is not None:
            return Credentials("tls", params["client_id"], certificate=certificate)
        raise OAuthError(
            401, "invalid_client", "Client authentication is required (no client_secret was sent)"
        )
    method = methods[0]
    if method == "client_secret_basic":
        client_id, secret = basic
        if "client_id" in params and params["client_id"] != client_id:
            raise invalid_request("client_id in the body differs from the Basic credentials")
        return Credentials(method, client_id, secret=secret)
    if method == "client_secret_post":
        if "client_id" not in params:
            raise invalid_request("Missing required parameter: client_id")
        return Credentials(method, params["client_id"], secret=params["client_secret"])
    if params.get("client_assertion_type") != JWT_BEARER:
        raise invalid_request(f"client_assertion_type must be {JWT_BEARER}")
    if not params.get("client_assertion"):
        raise invalid_request("Missing required parameter: client_assertion")
    try:
        claimed = jwt.decode(params["client_assertion"], options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise OAuthError(401, "invalid_client", "client_assertion is not a valid JWT") from None
    issuer = claimed.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise OAuthError(401, "invalid_client", "client_assertion has no iss claim")
    if "client_id" in params and params["client_id"] != issuer:
        raise invalid_request("client_id differs from the client_assertion's iss")
    return Credentials(method, issuer, assertion=params["client_assertion"])


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
            429, "too_many_attempts", lockout.message, {"Retry-After": str(lockout.retry_after)}
        )
    try:
        client = authenticate(authority, creds)
    except OAuthError:
        authority.throttle.failed(creds.client_id, address)
        raise
    authority.throttle.succeeded(creds.client_id, address)
    return client


def authenticate(authority: Authority, creds: Credentials) -> Client:
    """The client, when its credentials are right; otherwise OAuthError 401 invalid_client."""
    headers = {"WWW-Authenticate": "Basic"} if creds.method == "client_secret_basic" else {}
    failed = OAuthError(
        401,
        "invalid_client",
        "Client authentication failed: unknown client or wrong credentials",
        headers,
    )
    client = authority.tenant.clients.get(creds.client_id)
    if client is None:
        raise failed
    if creds.method == "private_key_jwt":
        _verify_assertion(authority, client, creds.assertion or "", failed)
        return client
    if creds.method == "tls":
        _verify_certificate(client, creds.certificate)
        return client
    if client.token_endpoint_auth_method in TLS_METHODS:
        raise OAuthError(
            401,
            "invalid_client",
            f"This client authenticates with {client.token_endpoint_auth_method}: present its "
            "client certificate (mutual TLS) and send client_id alone",
            headers,
        )
    if client.token_endpoint_auth_method == "private_key_jwt":
        raise OAuthError(
            401,
            "invalid_client",
            "This client authenticates with private_key_jwt; send a client_assertion",
            headers,
        )
    if not secret_matches(creds.secret or "", client.secret_hash):
        raise failed
    return client


def _verify_certificate(client: Client, cert: Presented | None) -> None:
    """RFC 8705 §2: the presented certificate is the registered one (self-signed), or one
    a trusted CA issued for the registered subject DN (PKI)."""
    method = client.token_endpoint_auth_method
    if cert is None or method not in TLS_METHODS:
        raise OAuthError(
            401,
            "invalid_client",
            f"This client authenticates with {method}, not with a client certificate",
        )
    if method == "self_signed_tls_client_auth":
        registered = {c.thumbprint for c in client.credentials_for(method)}
        if cert.thumbprint not in registered:
            raise OAuthError(
                401,
                "invalid_client",
                "The client certificate is not one registered for this client "
                "(self_signed_tls_client_auth compares the whole certificate)",
            )
        return
    parsed = x509.load_certificate(x509.pem_of(cert.der))
    if not cert.ca_verified or (not cert.via_edge and x509.is_self_signed(parsed)):
        raise OAuthError(
            401,
            "invalid_client",
            "The client certificate was not issued by a CA this server trusts "
            "(tls_client_auth needs one; a self-signed one needs self_signed_tls_client_auth)",
        )
    names = x509.names_of(parsed)
    if not any(_names_match(names, c) for c in client.credentials_for(method)):
        raise OAuthError(
            401,
            "invalid_client",
            f"The client certificate's subject ({names.subject_dn}) is not the one registered "
            "for this client",
        )


def _names_match(names: x509.Names, cred) -> bool:
    """RFC 8705 §2.1.2: the registered subject DN, or the registered subjectAltName."""
    if cred.san:
        kind, _, value = cred.san.partition(":")
        return value in getattr(names, f"san_{kind}", ())
    return x509.same_dn(names.subject_dn, cred.subject_dn)


def _verify_assertion(
    authority: Authority, client: Client, assertion: str, failed: OAuthError
) -> None:
    if not client.credentials:
        raise OAuthError(401, "invalid_client", "This client has no public key for private_key_jwt")
    claims = None
    for cred in client.credentials:
        try:
            claims = jwt.decode(
                assertion,
                cred.pem,
                algorithms=[cred.alg] if cred.alg in ASSERTION_ALGS else [],
                audience=[authority.issuer, authority.token_endpoint],
                issuer=client.client_id,
                options={"require": ["iss", "sub", "aud", "exp", "jti"]},
                leeway=5,
            )
            break
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise OAuthError(401, "invalid_client", f"client_assertion rejected: {exc}") from None
    if claims is None:
        raise failed
    if claims["sub"] != client.client_id:
        raise OAuthError(401, "invalid_client", "client_assertion sub must equal its iss")
    exp = claims["exp"]
    if exp > time.time() + MAX_ASSERTION_LIFETIME + 5:
        raise OAuthError(
            401, "invalid_client", "client_assertion exp is more than 5 minutes in the future"
        )
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti:
        raise OAuthError(401, "invalid_client", "client_assertion jti must be a non-empty string")
    if not authority.tenant.revocations.use_assertion_id(f"{client.client_id}:{jti}", exp):
        raise OAuthError(401, "invalid_client", "client_assertion jti was already used (replay)")
