"""Checking a token's signature against its issuer's JWKS (m2m_tui.oauth.jwks fetches it)."""

from __future__ import annotations

from dataclasses import dataclass

from m2m_tui.tokens.decoded import DecodedToken
from oauth_primitives.rules.closed_sets import ASYMMETRIC


@dataclass
class SignatureCheck:
    ok: bool
    kid: str | None
    alg: str | None
    reason: str


def check_signature(decoded: DecodedToken, jwks: dict) -> SignatureCheck:
    """The inspector's signature line: the rule book's algorithm, key and signature
    rules (oauth_primitives.rules.keys), the same the diagnosis and the API apply."""
    from oauth_primitives.rules import Code
    from oauth_primitives.rules.keys import alg_finding, key_finding, signing_keys, verify

    alg = decoded.header.get("alg")
    kid = decoded.header.get("kid")
    if alg_finding(alg, ASYMMETRIC) is not None:
        return SignatureCheck(
            False,
            kid,
            alg,
            f"algorithm {alg!r} is not allowed (asymmetric algorithms only; never none)",
        )
    if not isinstance(kid, str) or not kid:
        return SignatureCheck(False, None, alg, "the token has no kid, so no key can be chosen")
    try:
        entry = signing_keys(jwks).get(kid)
    except ValueError:
        return SignatureCheck(False, kid, alg, "the issuer's JWKS has no keys array")
    if entry is None:
        return SignatureCheck(
            False,
            kid,
            alg,
            "kid not in the issuer's JWKS: the key was rotated "
            "out or revoked, or the token is from another "
            "issuer or tenant",
        )
    unfit = key_finding(alg, entry)
    if unfit is not None:
        why = {
            Code.KEY_TOO_SMALL: f"the key is {unfit.values.get('bits')}-bit RSA, under 2048",
            Code.KEY_ALG_MISMATCH: f"the key is published for {unfit.values.get('key_alg')}",
        }.get(unfit.code, f"a {entry.get('kty')} key cannot verify {alg}")
        return SignatureCheck(False, kid, alg, f"cannot verify with key {kid}: {why}")
    if not verify(alg, entry, decoded.signing_input, decoded.signature):
        return SignatureCheck(
            False, kid, alg, "bad signature: the token was altered or signed by another key"
        )
    return SignatureCheck(True, kid, alg, f"verified with key {kid} ({alg})")
