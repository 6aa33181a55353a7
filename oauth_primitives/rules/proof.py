"""The rules for a DPoP proof (RFC 9449 §4.3, and §7 for one sent to an API), in the
order of §4.3. The bundled servers stop at the first finding; the diagnosis runs all.
The iat window and the `htu` and `ath` computations are in `oauth_primitives.dpop`."""

from __future__ import annotations

import hmac

from ..dpop import MAX_AGE, MAX_AHEAD, ath, htu, iat_outside_window
from .closed_sets import DPOP_PROOF
from .findings import Code, Finding

MAX_PROOF = 8 * 1024
# RFC 7517 §9.3 / RFC 7518 §6: the members that make a JWK private (or symmetric).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "k", "oth"})


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


def signature_finding(header: dict, compact: str) -> Finding | None:
    """Item 7, after items 4 to 6 passed: the proof's signature by its own jwk. A
    signature that cannot even be decoded or used is simply not valid."""
    import jwt

    from .. import base64url

    key = proof_key(header["jwk"], header["alg"])
    if isinstance(key, Finding):
        return key
    signing_input, _, signature = compact.rpartition(".")
    try:
        valid = jwt.get_algorithm_by_name(header["alg"]).verify(
            signing_input.encode(), key, base64url.decode(signature)
        )
    except (ValueError, TypeError):
        valid = False
    return None if valid else Finding(Code.PROOF_SIGNATURE)


def claim_findings(
    claims: dict,
    method: str,
    url: str,
    now: float,
    nonce_ok: bool | None = None,
    access_token: str | None = None,
    horizon: float = 0.0,
) -> list[Finding]:
    """Items 8 to 11 and §7's ath, given the request. `nonce_ok`: whether the server
    takes the proof's nonce (None: it demands none). `horizon`: the oldest iat the
    server's replay memory still covers. (Item 12, the jti seen before, is the
    server's memory alone.)"""
    found = [
        Finding(Code.PROOF_CLAIM_MISSING, {"claim": name})
        for name in ("jti", "htm", "htu")
        if not isinstance(claims.get(name), str) or not claims[name]
    ]
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        found.append(Finding(Code.PROOF_CLAIM_MISSING, {"claim": "iat"}))
        iat = None
    htm = claims.get("htm")
    if isinstance(htm, str) and htm and htm != method:  # item 8
        found.append(Finding(Code.PROOF_HTM, {"found": htm, "expected": method}))
    said = claims.get("htu")
    if isinstance(said, str) and said and htu(said) != htu(url):  # item 9
        found.append(Finding(Code.PROOF_HTU, {"found": said, "expected": htu(url)}))
    if nonce_ok is False:  # item 10, §8
        found.append(Finding(Code.PROOF_NONCE, {"sent": claims.get("nonce")}))
    if iat is not None:
        outside = iat_outside_window(iat, now)  # item 11
        if outside == "stale":
            found.append(Finding(Code.PROOF_STALE, {"age": now - iat, "limit": MAX_AGE}))
        elif outside == "ahead":
            found.append(Finding(Code.PROOF_AHEAD, {"ahead": iat - now}))
        elif iat <= horizon + MAX_AHEAD:
            # Under a flood the memory dropped proofs younger than MAX_AGE; one from
            # before then could be a replay it no longer knows, so it is refused as old.
            found.append(Finding(Code.PROOF_BEYOND_MEMORY))
    if access_token is not None:  # §7: the proof names the token it goes with
        said_ath = claims.get("ath")
        if said_ath is None:
            found.append(Finding(Code.PROOF_ATH_MISSING))
        elif not hmac.compare_digest(str(said_ath), ath(access_token)):
            found.append(Finding(Code.PROOF_ATH_MISMATCH))
    return found
