"""DPoP proofs (RFC 9449) as both servers check them: the authority at its token
endpoint (§5), the API on every call (§7). Shared here because both need the same rules.

A proof is a JWT the client signs with its own key, fresh for each request. Checked in
the order of §4.3, each failure with its own `error_description`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import jwt

# Asymmetric algorithms only (§4.3 item 5); what discovery and WWW-Authenticate list.
ALGORITHMS = ("ES256", "ES384", "RS256", "PS256", "EdDSA")
# §4.3 item 11: how old (or how far ahead) a proof's iat may be. The jti memory keeps
# each proof for as long, so a replay within the window is always caught.
MAX_AGE = 60.0
MAX_AHEAD = 5.0
MAX_PROOF = 8 * 1024
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "k", "oth"})
THUMBPRINT_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
    "OKP": ("crv", "kty", "x"),
}


class DpopError(Exception):
    """`invalid_dpop_proof` (§7.1, §5), or `use_dpop_nonce` (§8) with the nonce to use."""

    def __init__(self, description: str, error: str = "invalid_dpop_proof") -> None:
        super().__init__(description)
        self.description = description
        self.error = error


@dataclass(frozen=True)
class Proof:
    jkt: str  # the RFC 7638 thumbprint of the proof's key
    jti: str
    iat: float
    claims: dict


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def thumbprint(jwk: dict) -> str:
    """RFC 7638 §3: SHA-256 of the required members, sorted, without white space."""
    members = THUMBPRINT_MEMBERS.get(jwk.get("kty", ""))
    if members is None or not all(isinstance(jwk.get(m), str) for m in members):
        raise DpopError("the proof's jwk is not a complete EC, RSA or OKP public key")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


def access_token_hash(token: str) -> str:
    """The `ath` claim (§4.2): base64url SHA-256 of the access token's ASCII."""
    return b64url(hashlib.sha256(token.encode("ascii", "replace")).digest())


def normalise_url(url: str) -> str:
    """§4.3 item 9: compare without query and fragment, scheme and host in lower case,
    default ports dropped (RFC 3986 §6.2.2, §6.2.3)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    if parts.port and parts.port != default:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", "", ""))


class ReplayMemory:
    """The jti of every proof accepted within the window (§11.1), bounded: past
    `max_entries` the oldest go first, so memory stays flat under a flood."""

    def __init__(self, window: float = MAX_AGE + MAX_AHEAD, max_entries: int = 100_000) -> None:
        self.window = window
        self.max_entries = max_entries
        self._seen: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def first_use(self, jti: str, now: float) -> bool:
        while self._seen:
            oldest, seen_at = next(iter(self._seen.items()))
            if seen_at > now - self.window and len(self._seen) < self.max_entries:
                break
            del self._seen[oldest]
        if jti in self._seen:
            return False
        self._seen[jti] = now
        return True


class Nonces:
    """Server nonces (§8, §9) without state: an HMAC of the time slot, so any nonce from
    this slot or the one before is good and nothing needs remembering."""

    def __init__(self, lifetime: float = 300.0, key: bytes | None = None) -> None:
        self.lifetime = lifetime
        self.key = key or secrets.token_bytes(32)

    def _for(self, slot: int) -> str:
        mac = hmac.new(self.key, str(slot).encode(), hashlib.sha256).digest()[:18]
        return f"{slot:x}.{b64url(mac)}"

    def current(self, now: float | None = None) -> str:
        return self._for(int((time.time() if now is None else now) // self.lifetime))

    def valid(self, nonce: object, now: float | None = None) -> bool:
        if not isinstance(nonce, str):
            return False
        slot = int((time.time() if now is None else now) // self.lifetime)
        return any(hmac.compare_digest(nonce, self._for(s)) for s in (slot, slot - 1))


def check_proof(
    values: list[str],
    method: str,
    url: str,
    replay: ReplayMemory,
    nonces: Nonces | None = None,
    access_token: str | None = None,
    now: float | None = None,
) -> Proof:
    """The one valid proof among the request's `DPoP` header `values`, else DpopError."""
    now = time.time() if now is None else now
    if not values:
        raise DpopError("no DPoP proof was sent (the DPoP header is missing)")
    if len(values) > 1:  # §4.3 item 1
        raise DpopError("more than one DPoP header was sent; send exactly one proof")
    proof = values[0].strip()
    if len(proof) > MAX_PROOF or proof.count(".") != 2:  # item 2
        raise DpopError("the DPoP header is not a JWT (three base64url parts)")
    try:
        header = jwt.get_unverified_header(proof)
    except jwt.PyJWTError:
        raise DpopError("the DPoP proof's header is not base64url JSON") from None
    if header.get("typ") != "dpop+jwt":  # item 4
        raise DpopError(f"the proof's typ must be dpop+jwt, not {_said(header.get('typ'))}")
    alg = header.get("alg")
    if alg not in ALGORITHMS:  # item 5
        raise DpopError(
            f"the proof's alg {_said(alg)} is not allowed; use one of {' '.join(ALGORITHMS)}"
        )
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):  # item 6
        raise DpopError("the proof's header has no jwk (the public key that signed it)")
    if PRIVATE_MEMBERS & set(jwk):
        raise DpopError("the proof's jwk contains private key material; send the public key only")
    jkt = thumbprint(jwk)
    try:
        key = jwt.PyJWK(jwk, algorithm=alg).key
        claims = jwt.decode(
            proof,
            key,
            algorithms=[alg],
            options={"verify_aud": False, "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidSignatureError:  # item 7
        raise DpopError("the proof's signature does not match its jwk") from None
    except (jwt.PyJWTError, ValueError, TypeError):
        raise DpopError("the proof's jwk or signature cannot be used with its alg") from None
    for name, kind in (("jti", str), ("htm", str), ("htu", str)):
        if not isinstance(claims.get(name), kind) or not claims[name]:
            raise DpopError(f"the proof has no {name} claim")
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise DpopError("the proof has no numeric iat claim")
    if claims["htm"] != method:  # item 8
        raise DpopError(f"the proof's htm is {_said(claims['htm'])}, but the request is {method}")
    if normalise_url(claims["htu"]) != normalise_url(url):  # item 9
        raise DpopError(
            f"the proof's htu is {_said(claims['htu'])}, but the request is to {normalise_url(url)}"
        )
    if nonces is not None and not nonces.valid(claims.get("nonce")):  # item 10, §8
        said = "has no nonce" if "nonce" not in claims else "has a stale or unknown nonce"
        raise DpopError(
            f"the proof {said}; retry with the nonce in the DPoP-Nonce header", "use_dpop_nonce"
        )
    if iat < now - MAX_AGE:  # item 11
        raise DpopError(f"the proof is stale: issued {now - iat:.0f} s ago (at most {MAX_AGE:g} s)")
    if iat > now + MAX_AHEAD:
        raise DpopError(f"the proof is from the future: iat is {iat - now:.0f} s ahead")
    if access_token is not None:  # §7: the proof names the token it goes with
        ath = claims.get("ath")
        if ath is None:
            raise DpopError("the proof has no ath claim (the access token's hash)")
        if not hmac.compare_digest(str(ath), access_token_hash(access_token)):
            raise DpopError("the proof's ath does not match the access token")
    if not replay.first_use(claims["jti"], now):  # item 12
        raise DpopError("the proof was used before (its jti was seen): make a new one per request")
    return Proof(jkt, claims["jti"], float(iat), claims)


def _said(value: object) -> str:
    """A value from the proof, quoted safely for a WWW-Authenticate description."""
    text = str(value)[:60].replace('"', "'").replace("\\", "/")
    return repr(text) if value is not None else "missing"
