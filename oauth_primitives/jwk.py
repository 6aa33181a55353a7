"""JSON Web Key thumbprints (RFC 7638): a key's identity, as DPoP's `cnf.jkt` names it."""

from __future__ import annotations

import hashlib
import json

from . import base64url

# §3.2: the required members of each key type, the only ones hashed.
THUMBPRINT_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
    "OKP": ("crv", "kty", "x"),
}


def thumbprint(jwk: dict) -> str:
    """§3: SHA-256 of the required members, sorted, without white space.

    ValueError when the key is not a complete EC, RSA or OKP public key."""
    kty = jwk.get("kty", "")
    members = THUMBPRINT_MEMBERS.get(kty) if isinstance(kty, str) else None  # any JSON
    if members is None or not all(isinstance(jwk.get(m), str) for m in members):
        raise ValueError("not a complete EC, RSA or OKP public key")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return base64url.encode(hashlib.sha256(canonical.encode()).digest())
