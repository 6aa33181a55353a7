"""DPoP proofs (RFC 9449) as both servers check them: the authority at its token
endpoint (§5), the API on every call (§7). Shared here because both need the same rules.

A proof is a JWT the client signs with its own key, fresh for each request. Checked by
the rule book's proof table, in its order, each failure with its own
`error_description`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from oauth_primitives import base64url
from oauth_primitives.dpop import MAX_AGE, MAX_AHEAD
from oauth_primitives.rules.findings import Finding
from oauth_primitives.rules.proof import header_finding, proof_header, proof_signed
from oauth_primitives.rules.proof_table import (
    ProofPresented,
    proof_rows,
    run_proof,
    signer_of,
)

# The proof's rules and their order are the rule book's proof table, which the client's
# diagnosis runs too; this module gives it the servers' memory. The jti memory keeps
# each proof for as long as the iat window (MAX_AGE, MAX_AHEAD), so a replay within the
# window is always caught.


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


class ReplayMemory:
    """The jti of every proof accepted within the window (§11.1), in bounded memory.

    Two generations of jti hashes: the current one, and the one before. A generation is
    retired once it is `window` old (all it holds has expired), or, under a flood, once it
    holds half of `max_entries`; then the one before is dropped, and `horizon` becomes the
    time its newest entry could have been seen. Proofs issued before the horizon are
    refused (the proof table's iat row), so what was forgotten cannot be replayed.

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
        sent = nonce.encode()  # bytes: compare_digest refuses a str that is not ASCII
        return any(hmac.compare_digest(sent, self._for(s).encode()) for s in (slot, slot - 1))


BEFORE_SIGNATURE = proof_rows("proof", "proof key")  # the API awaits item 7 between them
FROM_SIGNATURE = proof_rows("proof sig")


def presented(
    values: list[str],
    method: str,
    url: str,
    replay: ReplayMemory,
    nonces: Nonces | None = None,
    access_token: str | None = None,
    claims: dict | None = None,
    now: float | None = None,
) -> ProofPresented:
    """The request's proof as the proof table reads it, with this server's memory (the
    nonces it issued, the jti it saw) and, at an API, the token and its claims."""
    return ProofPresented(
        values,
        method,
        url,
        time.time() if now is None else now,
        access_token,
        claims,
        None if nonces is None else nonces.valid,
        replay.horizon,
        replay.first_use,
    )


def accepted(p: ProofPresented) -> Proof:
    claims = p.parts.claims
    return Proof(p.signer.jkt, claims["jti"], float(claims["iat"]), claims)


def check_proof(
    values: list[str],
    method: str,
    url: str,
    replay: ReplayMemory,
    nonces: Nonces | None = None,
    access_token: str | None = None,
    now: float | None = None,
) -> Proof:
    """The one valid proof among the request's `DPoP` header `values` (the proof table,
    run through), else DpopError with its first finding."""
    p = presented(values, method, url, replay, nonces, access_token, now=now)
    found = run_proof(p)
    if found:
        raise DpopError(found[0])
    return accepted(p)


def parse_proof(values: list[str]) -> ProofPresented:
    """§4.3 items 1 to 6 alone (the table's rows up to the key), else DpopError."""
    p = ProofPresented(values, "", "", 0.0)
    found = run_proof(p, BEFORE_SIGNATURE)
    if found:
        raise DpopError(found[0])
    return p


def signature_valid(compact: str) -> bool:
    """§4.3 item 7 alone, for a proof whose other parts are checked elsewhere (the API's
    helper process): its claims are not even decoded; a header the table refuses is
    simply not a valid signature."""
    segment = compact.partition(".")[0]
    header = proof_header(segment)
    if header is None or header_finding(header) is not None:
        return False
    signer = signer_of(segment)
    return not isinstance(signer, Finding) and proof_signed(signer.alg, signer.key, compact)
