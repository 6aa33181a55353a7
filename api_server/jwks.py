"""The JWKS format (RFC 7517), the one thing the authority and the API both need."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from oauth_primitives import base64url


def public_jwk(public_key: PublicKeyTypes, kid: str, alg: str, cert_der: bytes | None) -> dict:
    """A signing JWK with `x5c` (standard base64 DER, RFC 7517 §4.7) and `x5t` (§4.8)."""
    algorithm = RSAAlgorithm if alg.startswith(("RS", "PS")) else ECAlgorithm
    jwk = json.loads(algorithm.to_jwk(public_key))
    jwk.update({"use": "sig", "alg": alg, "kid": kid})
    if cert_der is not None:
        jwk["x5c"] = [base64.b64encode(cert_der).decode()]
        jwk["x5t"] = base64url.encode(hashlib.sha1(cert_der).digest())
    return jwk
