"""DPoP proofs (RFC 9449) as both servers check them: the authority at its token
endpoint (§5), the API on every call (§7). Shared here because both need the same rules.

A proof is a JWT the client signs with its own key, fresh for each request. Checked in
the order of §4.3, each failure with its own `error_description`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

from oauth_primitives import base64url
from oauth_primitives.dpop import MAX_AGE, MAX_AHEAD
from oauth_primitives.jwk import thumbprint as jwk_thumbprint
from oauth_primitives.rules import proof as proof_rules
from oauth_primitives.rules.findings import Code, Finding
from oauth_primitives.rules.proof import (
    claim_findings,
    header_finding,
    proof_header,
    proof_key,
    proof_signed,
)

# The proof's rules (algorithms, private members, claims) are the rule book's, shared
# with the client's diagnosis. The jti memory keeps each proof for as long as the iat
# window (MAX_AGE, MAX_AHEAD), so a replay within the window is always caught.


class DpopError(Exception):
    """`invalid_dpop_proof` (§7.1, §5), or `use_dpop_nonce` (§8) with the nonce to use;
    the rule book's finding, and its code."""

    def __init__(self, finding: Finding) -> None:
        self.description = finding.describe()
        super().__init__(self.description)
        self.finding = finding
        self.code = finding.code.value
        self.error = finding.error


@dataclass(frozen=True)
class Proof:
    jkt: str  # the RFC 7638 thumbprint of the proof's key
    jti: str
    iat: float
    claims: dict


def addressed_url(scope: dict, host: str | None) -> str:
    """The URL the client addressed (§4.3 item 9), to compare with the proof's htu: its
    Host header, not our own name for ourselves, as 127.0.0.1 and localhost are both
    right; and the path as it came on the wire (raw_path), since the decoded one differs
    from what the client signed wherever the path has a percent-encoding. Built from the
    scope, as Starlette's URL object costs more than the rest of the check."""
    host = host or "{}:{}".format(*scope["server"])
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else scope["path"]
    return f"{scope['scheme']}://{host}{path}"


def thumbprint(jwk: dict) -> str:
    """RFC 7638, as a DpopError the client can read when the key is incomplete."""
    try:
        return jwk_thumbprint(jwk)
    except ValueError:
        raise DpopError(Finding(Code.PROOF_KEY_UNUSABLE, {"why": "incomplete"})) from None


class ReplayMemory:
    """The jti of every proof accepted within the window (§11.1), in bounded memory.

    Two generations of jti hashes: the current one, and the one before. A generation is
    retired once it is `window` old (all it holds has expired), or, under a flood, once it
    holds half of `max_entries`; then the one before is dropped, and `horizon` becomes the
    time its newest entry could have been seen. Proofs issued before the horizon are
    refused (check_claims), so what was forgotten cannot be replayed.

    Python's hash of the jti (64-bit, keyed per process) is kept rather than the jti: a
    quarter of the memory, so three times as many fit in what 100,000 strings took. Two
    jti that share a hash make the second one refused as a replay: the safe side, and
    for fewer than one proof in 10^13 at a full memory.
    """

    def __init__(self, window: float = MAX_AGE + MAX_AHEAD, max_entries: int = 300_000) -> None:
        self.window = window
        self.max_entries = max_entries
        self.horizon = 0.0
        self._current: set[int] = set()
        self._previous: set[int] = set()
        self._since: float | None = None  # when the current generation began

    def __len__(self) -> int:
        return len(self._current) + len(self._previous)

    def first_use(self, jti: str, now: float) -> bool:
        key = hash(jti)
        if key in self._current or key in self._previous:
            return False
        since = self._since
        if since is None:
            self._since = now
        else:
            expired = now - since >= self.window  # the previous generation is all past it
            if expired or len(self._current) >= self.max_entries // 2:
                if not expired and self._previous:  # a flood: forgotten before it expired
                    self.horizon = max(self.horizon, since)
                self._previous, self._current, self._since = self._current, set(), now
        self._current.add(key)
        return True


class Nonces:
    """Server nonces (§8, §9) without state: an HMAC of the time slot, so any nonce from
    this slot or the one before is good and nothing needs remembering."""

    def __init__(self, lifetime: float = 300.0, key: bytes | None = None) -> None:
        self.lifetime = lifetime
        self.key = key or secrets.token_bytes(32)

    def _for(self, slot: int) -> str:
        mac = hmac.new(self.key, str(slot).encode(), hashlib.sha256).digest()[:18]
        return f"{slot:x}.{base64url.encode(mac)}"

    def current(self, now: float | None = None) -> str:
        return self._for(int((time.time() if now is None else now) // self.lifetime))

    def valid(self, nonce: object, now: float | None = None) -> bool:
        if not isinstance(nonce, str):
            return False
        slot = int((time.time() if now is None else now) // self.lifetime)
        return any(hmac.compare_digest(nonce, self._for(s)) for s in (slot, slot - 1))


@dataclass(frozen=True)
class _Signer:
    """What a proof's header says once checked: the same client sends the same header
    (typ, alg, jwk) on every proof, so it is parsed, checked and turned into a key once."""

    alg: str
    key: object
    jkt: str


_signers: OrderedDict[str, _Signer] = OrderedDict()
MAX_SIGNERS = 1024


def _signer(segment: str) -> _Signer:
    found = _signers.get(segment)
    if found is not None:
        _signers.move_to_end(segment)
        return found
    header = proof_header(segment)
    if header is None:
        raise DpopError(Finding(Code.PROOF_MALFORMED, {"part": "header"}))
    unfit = header_finding(header)  # §4.3 items 4 to 6
    if unfit is not None:
        raise DpopError(unfit)
    alg, jwk = header["alg"], header["jwk"]
    key = proof_key(jwk, alg)
    if isinstance(key, Finding):
        raise DpopError(key)
    jkt = thumbprint(jwk)
    signer = _Signer(alg, key, jkt)
    _signers[segment] = signer
    if len(_signers) > MAX_SIGNERS:
        _signers.popitem(last=False)
    return signer


@dataclass(frozen=True)
class Parsed:
    """A proof taken apart, its signature not yet verified."""

    signer: _Signer
    claims: dict
    compact: str  # the proof as sent: what a helper process verifies (proof_helper)

    def verify(self) -> bool:
        """§4.3 item 7."""
        return _signature_matches(self.signer, self.compact)


def signature_valid(compact: str) -> bool:
    """§4.3 item 7 alone, for a proof whose other parts are checked elsewhere (the API's
    helper process): its claims are not even decoded."""
    try:
        signer = _signer(compact.partition(".")[0])
    except DpopError:
        return False
    return _signature_matches(signer, compact)


def _signature_matches(signer: _Signer, compact: str) -> bool:
    return proof_signed(signer.alg, signer.key, compact)


def parse_proof(values: list[str]) -> Parsed:
    """§4.3 items 1 to 6: one well-formed proof (the rule book's reading, the
    diagnosis's too), then typ, an allowed alg, a public jwk."""
    parts = proof_rules.parse_proof(values)
    if isinstance(parts, Finding):
        raise DpopError(parts)
    return Parsed(_signer(parts.header_segment), parts.claims, parts.compact)


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
    parsed = parse_proof(values)
    return check_claims(parsed, parsed.verify(), method, url, replay, nonces, access_token, now)


def check_claims(
    parsed: Parsed,
    verified: bool,
    method: str,
    url: str,
    replay: ReplayMemory,
    nonces: Nonces | None = None,
    access_token: str | None = None,
    now: float | None = None,
) -> Proof:
    """§4.3 items 7 to 12 (and §7's ath), given whether the signature verified."""
    now = time.time() if now is None else now
    claims = parsed.claims
    if not verified:  # item 7
        raise DpopError(Finding(Code.PROOF_SIGNATURE))
    nonce_ok = None if nonces is None else nonces.valid(claims.get("nonce"))
    for finding in claim_findings(claims, method, url, now, nonce_ok, access_token, replay.horizon):
        raise DpopError(finding)
    if not replay.first_use(claims["jti"], now):  # item 12
        raise DpopError(Finding(Code.PROOF_REPLAYED))
    return Proof(parsed.signer.jkt, claims["jti"], float(claims["iat"]), claims)
