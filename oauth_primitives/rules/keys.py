"""Which algorithms and keys sign an access token: asymmetric only (an API that takes
HS256 can be fooled with its own public key), the key's type and curve fitting the
algorithm, the JWK's own `alg` obeyed, and RSA keys of 2048 bits or more (RFC 7518
§3.3; Auth0's Express validator, through jose, refuses smaller ones)."""

from __future__ import annotations

from .. import base64url
from .closed_sets import Alg
from .findings import Code, Finding

KEY_TYPE = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
CURVES = {
    Alg.ES256: ("P-256",),
    Alg.ES384: ("P-384",),
    Alg.ES512: ("P-521",),
    Alg.EDDSA: ("Ed25519", "Ed448"),
}
MIN_RSA_BITS = 2048


def alg_finding(alg: object, allowed: tuple[str, ...] | frozenset[str]) -> Finding | None:
    """RFC 8725 §3.1: the algorithm checked against a list, before any key is chosen."""
    if (
        isinstance(alg, str)
        and alg in allowed
        and not alg.startswith("HS")
        and (len(alg) != 4 or alg.lower() != "none")
    ):
        return None  # the common case first, and nothing built for it
    if not isinstance(alg, str) or alg.lower() == "none":
        return Finding(Code.ALG_NONE, {"alg": alg, "allowed": sorted(allowed)})
    if alg.startswith("HS"):
        return Finding(Code.ALG_SYMMETRIC, {"alg": alg, "allowed": sorted(allowed)})
    return Finding(Code.ALG_NOT_ALLOWED, {"alg": alg, "allowed": sorted(allowed)})


def signing_keys(document: dict) -> dict[str, dict]:
    """The JWKS's keys a token may name by kid: those with a kid and no `use` other than
    sig. ValueError when the document is not a JWKS."""
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise ValueError("the JWKS has no keys array")
    return {
        entry["kid"]: entry
        for entry in entries
        if isinstance(entry, dict)
        and isinstance(entry.get("kid"), str)
        and entry.get("use", "sig") == "sig"
    }


def rsa_bits(jwk: dict) -> int | None:
    try:
        return int.from_bytes(base64url.decode(jwk["n"]), "big").bit_length()
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def key_finding(alg: str, jwk: dict) -> Finding | None:
    """Whether the key the kid selects may verify a token signed with `alg`."""
    kty = jwk.get("kty")
    if KEY_TYPE.get(alg[:2]) != kty:
        return Finding(Code.KEY_TYPE_MISMATCH, {"alg": alg, "kty": kty})
    curves = CURVES.get(alg)
    if curves is not None and jwk.get("crv") not in curves:
        return Finding(Code.KEY_TYPE_MISMATCH, {"alg": alg, "kty": kty, "crv": jwk.get("crv")})
    declared = jwk.get("alg")
    if declared is not None and declared != alg:
        return Finding(Code.KEY_ALG_MISMATCH, {"alg": alg, "key_alg": declared})
    if kty == "RSA":
        bits = rsa_bits(jwk)
        if bits is not None and bits < MIN_RSA_BITS:
            return Finding(Code.KEY_TOO_SMALL, {"bits": bits, "minimum": MIN_RSA_BITS})
    return None


def verify(alg: str, jwk: dict, signing_input: bytes, signature: bytes) -> bool:
    """The signature by a JWK; a JWK that cannot even be read is simply not valid."""
    import jwt

    try:
        key = jwt.PyJWK(jwk, algorithm=alg).key
    except Exception:
        return False
    return signature_valid(alg, key, signing_input, signature)


def signature_valid(alg: str, key: object, signing_input: bytes, signature: bytes) -> bool:
    """RFC 7515 §5.2: the one signature check, with PyJWT's algorithms, on a key already
    read (the API reads each JWKS key once, a proof's key once per client)."""
    import jwt

    try:
        return bool(jwt.get_algorithm_by_name(alg).verify(signing_input, key, signature))
    except Exception:  # a signature of the wrong length, r = s = 0: simply not valid
        return False
