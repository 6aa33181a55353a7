"""Signing keys: RSA 2048 with a self-signed certificate, rotated as Auth0 rotates them.

Auth0 keeps a *current* key that signs, a *next* key already published so caches
learn it before it signs, and *previous* keys that stay in the JWKS (so tokens
they signed keep validating) until someone revokes them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.x509.oid import NameOID

from api_server.jwks import public_jwk
from oauth_primitives import base64url
from oauth_primitives.rules.closed_sets import Alg

CURRENT, NEXT, PREVIOUS, REVOKED = "current", "next", "previous", "revoked"


@dataclass
class SigningKey:
    kid: str
    private_pem: bytes
    cert_der: bytes
    status: str
    created_at: float
    current_since: float | None = None
    current_until: float | None = None
    revoked_at: float | None = None

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        # Parsed once and kept: PyJWT then signs without re-reading the PEM. The key is
        # the tenant's own (generated here, or checked when a backup was restored), so
        # its RSA consistency checks, ~50 ms a key at every start, are skipped.
        return serialization.load_pem_private_key(
            self.private_pem, password=None, unsafe_skip_rsa_key_validation=True
        )

    def jwk(self) -> dict:
        return public_jwk(self.private_key.public_key(), self.kid, Alg.RS256, self.cert_der)

    def sign(self, claims: dict, headers: dict) -> str:
        """A compact RS256 JWS. Built here rather than with `jwt.encode`, whose checks
        and conversions cost a fifth of the token endpoint's time; tests verify the
        result with PyJWT, Authlib and the API."""
        header = {"alg": Alg.RS256, **headers}
        signing_input = _b64json(header) + b"." + _b64json(claims)
        signature = self.private_key.sign(signing_input, PKCS1v15(), SHA256())
        return (signing_input + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode()

    def to_api(self) -> dict:
        """Auth0's signing-key shape (GET /api/v2/keys/signing)."""
        cert = x509.load_der_x509_certificate(self.cert_der)
        body = {
            "kid": self.kid,
            "cert": cert.public_bytes(serialization.Encoding.PEM).decode(),
            "fingerprint": ":".join(f"{b:02X}" for b in hashlib.sha1(self.cert_der).digest()),
            "thumbprint": hashlib.sha1(self.cert_der).hexdigest(),
            "current": self.status == CURRENT,
            "next": self.status == NEXT,
            "previous": self.status == PREVIOUS,
            "revoked": self.status == REVOKED,
        }
        for name in ("current_since", "current_until", "revoked_at"):
            value = getattr(self, name)
            if value is not None:
                body[name] = dt.datetime.fromtimestamp(value, dt.UTC).isoformat()
        return body


def _b64json(value: dict) -> bytes:
    return base64url.encode_json(value).encode()


def generate_signing_key(status: str, subject: str) -> SigningKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return SigningKey(
        kid=base64url.encode(secrets.token_bytes(16)),
        private_pem=pem,
        cert_der=cert.public_bytes(serialization.Encoding.DER),
        status=status,
        created_at=now.timestamp(),
        current_since=now.timestamp() if status == CURRENT else None,
    )
