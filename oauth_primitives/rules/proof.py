"""The parts of a DPoP proof's rules (RFC 9449 §4.3, and §7 for one sent to an API) that
more than one row or reader needs: the one reading of a proof, its header's rule, its
key, its signature, the binding. Their order is the proof table's (`proof_table.py`).
The iat window and the `htu` and `ath` computations are in `oauth_primitives.dpop`."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass

from .. import base64url
from .access_token import bound_jkt
from .closed_sets import DPOP_PROOF
from .findings import Code, Finding
from .keys import signature_valid

MAX_PROOF = 8 * 1024
# RFC 7517 §9.3 / RFC 7518 §6: the members that make a JWK private (or symmetric).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "k", "oth"})


@dataclass(frozen=True)
class ProofParts:
    """A proof taken apart (§4.3 items 1 and 2 passed), its signature not yet checked."""

    compact: str  # as sent, stripped
    header_segment: str  # the header as sent: a client sends the same one on every proof
    header: dict
    claims: dict


def _json_object(segment: str) -> dict | None:
    try:
        value = json.loads(base64url.decode(segment))
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


@functools.lru_cache(maxsize=1024)
def proof_header(segment: str) -> dict | None:
    """A proof's header segment as a JSON object, else None (item 2). One client sends
    one header (typ, alg, jwk) with every proof, so it is read once; the dict is shared
    between callers, and none may change it."""
    return _json_object(segment)


def parse_proof(values: Sequence[str]) -> ProofParts | Finding:
    """§4.3 items 1 and 2, given the request's DPoP header values: exactly one proof, a
    well-formed JWT of at most MAX_PROOF characters, its header and claims JSON objects.
    The one reading of a proof, the servers' and the diagnosis's."""
    if not values:
        return Finding(Code.PROOF_MISSING)
    if len(values) > 1:  # item 1
        return Finding(Code.PROOF_MULTIPLE)
    proof = values[0].strip()
    if len(proof) > MAX_PROOF or proof.count(".") != 2:  # item 2
        return Finding(Code.PROOF_MALFORMED, {"part": "form"})
    head, body, _ = proof.split(".")  # a garbled signature fails item 7, the signature's
    header = proof_header(head)
    if header is None:
        return Finding(Code.PROOF_MALFORMED, {"part": "header"})
    claims = _json_object(body)
    if claims is None:
        return Finding(Code.PROOF_MALFORMED, {"part": "claims"})
    return ProofParts(proof, head, header, claims)


def header_finding(header: dict) -> Finding | None:
    """Items 4 to 6: typ, an allowed alg (item 5: asymmetric only), and a public jwk."""
    if header.get("typ") != "dpop+jwt":
        return Finding(Code.PROOF_TYP, {"typ": header.get("typ")})
    alg = header.get("alg")
    if alg not in DPOP_PROOF:
        return Finding(Code.PROOF_ALG, {"alg": alg, "allowed": list(DPOP_PROOF)})
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        return Finding(Code.PROOF_NO_JWK)
    private = sorted(PRIVATE_MEMBERS & set(jwk))
    if private:
        return Finding(Code.PROOF_PRIVATE_KEY, {"members": private})
    return None


def proof_key(jwk: dict, alg: str):
    """The public key a proof's jwk holds, usable with its alg, else the finding (§4.3
    item 6): a key that is not a complete EC, RSA or OKP key, or not one for alg."""
    import jwt

    from ..jwk import thumbprint

    try:
        thumbprint(jwk)
    except ValueError:
        return Finding(Code.PROOF_KEY_UNUSABLE, {"why": "incomplete"})
    try:
        return jwt.PyJWK(jwk, algorithm=alg).key
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return Finding(Code.PROOF_KEY_UNUSABLE, {"alg": alg})


def proof_signed(alg: str, key: object, compact: str) -> bool:
    """Item 7 on a key already read: the signature decoded only here, as a server that
    verifies it elsewhere (the API's helper process) never needs it decoded."""
    signing_input, _, signature = compact.rpartition(".")
    try:
        decoded = base64url.decode(signature)
    except ValueError:
        return False
    return signature_valid(alg, key, signing_input.encode(), decoded)


def bound_key_finding(claims: dict, jkt: str | None) -> Finding | None:
    """§7.1 with §6.1: the proof is signed by the key the token is bound to, that is the
    RFC 7638 thumbprint of its jwk (`jkt`; None for a jwk that has none) is the token's
    cnf.jkt. A token bound to no key is the scheme rule's (NOT_BOUND_AS_DPOP)."""
    bound = bound_jkt(claims)
    if bound is None or jkt == bound:
        return None
    return Finding(Code.PROOF_KEY_NOT_BOUND, {"bound": bound, "signed_by": jkt})
