"""The proof table: every rule a server applies to a DPoP proof (RFC 9449 §4.3, and §7.1
for one sent to an API), one row each, in the order the bundled servers apply them, and
`run_proof`, the one function that runs it. The servers take the first finding (the
authority at its token endpoint, the API beside the token's table); the diagnosis takes
them all and explains each. The access-token table's `proof` row holds these codes, in
this order.

A row reads `ProofPresented` (the request's DPoP header values, what the request was,
what the server remembers) and returns a finding or None. What only a server knows (a
nonce it issued, the jti it saw) is given as a callable; left None, its row finds
nothing, as in the diagnosis, which cannot know."""

from __future__ import annotations

import functools
import hmac
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..dpop import MAX_AGE, MAX_AHEAD, ath, htu, iat_outside_window
from ..jwk import thumbprint
from .findings import Code, Finding
from .proof import (
    ProofParts,
    bound_key_finding,
    header_finding,
    parse_proof,
    proof_header,
    proof_key,
    proof_signed,
)


class Signer(NamedTuple):
    """The key a proof's header holds (§4.3 item 6), usable with its alg."""

    alg: str
    key: Any
    jkt: str  # its RFC 7638 thumbprint: what a bound token's cnf.jkt names


@functools.lru_cache(maxsize=1024)
def signer_of(segment: str) -> Signer | Finding:
    """The key of a proof header segment whose header passed items 4 and 5: one client
    sends one header with every proof, so its key is read once, not per proof."""
    header = proof_header(segment)
    key = proof_key(header["jwk"], header["alg"])
    if isinstance(key, Finding):
        return key
    return Signer(header["alg"], key, thumbprint(header["jwk"]))


@dataclass(slots=True)
class ProofPresented:
    """A request's DPoP proof as a server is presented with it, and what the rows learn
    of it on the way (its parts, its key)."""

    values: Sequence[str]  # the request's DPoP header values
    method: str
    url: str
    now: float
    access_token: str | None = None  # §7.1: the token it goes with, at an API
    claims: dict | None = None  # that token's claims, whose cnf.jkt must name the key
    nonce_valid: Callable[[object], bool] | None = None  # §8: the server's, if it demands
    horizon: float = 0.0  # the oldest iat the server's replay memory still covers
    first_use: Callable[[str, float], bool] | None = None  # item 12: the server's memory
    verified: bool | None = None  # item 7's verdict, where it was reached elsewhere
    parts: ProofParts | None = None  # set by the proof row
    signer: Signer | None = None  # set by the key row

    @property
    def compact(self) -> str:
        return self.parts.compact

    def verify(self) -> bool:
        """Item 7 here: the signature by the proof's own key (the key row passed)."""
        return proof_signed(self.signer.alg, self.signer.key, self.parts.compact)


class ProofRow(NamedTuple):
    name: str
    codes: tuple[Code, ...]
    rule: Callable[[ProofPresented], Finding | None]
    after: str | None = None  # a row that must have passed first (`every` skips it else)


def _one(p: ProofPresented) -> Finding | None:  # items 1 and 2
    parsed = parse_proof(p.values)
    if isinstance(parsed, Finding):
        return parsed
    p.parts = parsed
    return None


@functools.lru_cache(maxsize=1024)
def _header_of(segment: str) -> Finding | None:
    return header_finding(proof_header(segment))


def _header(p: ProofPresented) -> Finding | None:  # items 4 to 6, once per client's header
    return _header_of(p.parts.header_segment)


def _key(p: ProofPresented) -> Finding | None:
    signer = signer_of(p.parts.header_segment)
    if isinstance(signer, Finding):
        return signer
    p.signer = signer
    return None


def _signature(p: ProofPresented) -> Finding | None:  # item 7
    verified = p.verify() if p.verified is None else p.verified
    return None if verified else Finding(Code.PROOF_SIGNATURE)


def _present(p: ProofPresented) -> Finding | None:
    """Item 3: the claims every proof carries; the first missing named, all listed."""
    claims = p.parts.claims
    iat = claims.get("iat")
    # JSON's NaN and Infinity parse as floats no clock can be compared with.
    number = not isinstance(iat, bool) and isinstance(iat, int | float) and math.isfinite(iat)
    get = claims.get
    if number and _text(get("jti")) and _text(get("htm")) and _text(get("htu")):
        return None  # every proof that passes, at no list's cost
    missing = [n for n in ("jti", "htm", "htu") if not _text(claims.get(n))]
    if not number:
        missing.append("iat")
    return Finding(Code.PROOF_CLAIM_MISSING, {"claim": missing[0], "missing": missing})


def _text(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _htm(p: ProofPresented) -> Finding | None:  # item 8
    htm = p.parts.claims.get("htm")
    if isinstance(htm, str) and htm and htm != p.method:
        return Finding(Code.PROOF_HTM, {"found": htm, "expected": p.method})
    return None


def _htu(p: ProofPresented) -> Finding | None:  # item 9, both sides normalised
    said = p.parts.claims.get("htu")
    if not isinstance(said, str) or not said:
        return None  # the present row's
    try:
        same = htu(said) == htu(p.url)
    except ValueError:  # not a URL at all ("http://[x")
        same = False
    return None if same else Finding(Code.PROOF_HTU, {"found": said, "expected": htu(p.url)})


def _nonce(p: ProofPresented) -> Finding | None:  # item 10, §8
    if p.nonce_valid is None:
        return None
    sent = p.parts.claims.get("nonce")
    return None if p.nonce_valid(sent) else Finding(Code.PROOF_NONCE, {"sent": sent})


def _iat(p: ProofPresented) -> Finding | None:  # item 11
    iat = p.parts.claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float) or not math.isfinite(iat):
        return None  # the present row's
    outside = iat_outside_window(iat, p.now)
    if outside == "stale":
        return Finding(Code.PROOF_STALE, {"age": p.now - iat, "limit": MAX_AGE})
    if outside == "ahead":
        return Finding(Code.PROOF_AHEAD, {"ahead": iat - p.now})
    if iat <= p.horizon + MAX_AHEAD:
        # Under a flood the memory dropped proofs younger than MAX_AGE; one from before
        # then could be a replay it no longer knows, so it is refused as old.
        return Finding(Code.PROOF_BEYOND_MEMORY)
    return None


def _ath(p: ProofPresented) -> Finding | None:  # §7.1: the proof names its token
    if p.access_token is None:
        return None
    said = p.parts.claims.get("ath")
    if said is None:
        return Finding(Code.PROOF_ATH_MISSING)
    if not hmac.compare_digest(str(said).encode(), ath(p.access_token).encode()):
        return Finding(Code.PROOF_ATH_MISMATCH)
    return None


def _replay(p: ProofPresented) -> Finding | None:  # item 12
    jti = p.parts.claims.get("jti")
    if p.first_use is None or not isinstance(jti, str):
        return None
    return None if p.first_use(jti, p.now) else Finding(Code.PROOF_REPLAYED)


def _bound(p: ProofPresented) -> Finding | None:  # §7.1 with §6.1: by the bound key
    if p.claims is None:
        return None
    if p.signer is not None:
        jkt = p.signer.jkt
    else:  # the key row refused the key; the thumbprint may still say whose it is
        jwk = p.parts.header.get("jwk")
        try:
            jkt = thumbprint(jwk) if isinstance(jwk, dict) else None
        except ValueError:
            jkt = None
    return bound_key_finding(p.claims, jkt)


# The order the bundled servers apply them in: the first finding is their answer.
PROOF_TABLE: tuple[ProofRow, ...] = (
    ProofRow("proof", (Code.PROOF_MISSING, Code.PROOF_MULTIPLE, Code.PROOF_MALFORMED), _one),
    ProofRow(
        "proof hdr",
        (Code.PROOF_TYP, Code.PROOF_ALG, Code.PROOF_NO_JWK, Code.PROOF_PRIVATE_KEY),
        _header,
    ),
    ProofRow("proof key", (Code.PROOF_KEY_UNUSABLE,), _key, after="proof hdr"),
    ProofRow("proof sig", (Code.PROOF_SIGNATURE,), _signature, after="proof key"),
    ProofRow("claims", (Code.PROOF_CLAIM_MISSING,), _present),
    ProofRow("htm", (Code.PROOF_HTM,), _htm),
    ProofRow("htu", (Code.PROOF_HTU,), _htu),
    ProofRow("nonce", (Code.PROOF_NONCE,), _nonce),
    ProofRow("proof iat", (Code.PROOF_STALE, Code.PROOF_AHEAD, Code.PROOF_BEYOND_MEMORY), _iat),
    ProofRow("ath", (Code.PROOF_ATH_MISSING, Code.PROOF_ATH_MISMATCH), _ath),
    ProofRow("cnf.jkt", (Code.PROOF_KEY_NOT_BOUND,), _bound),
    # A jti is remembered last, so that a proof refused for anything else is not.
    ProofRow("jti", (Code.PROOF_REPLAYED,), _replay),
)
PROOF_CODES = tuple(code for row in PROOF_TABLE for code in row.codes)
assert set(PROOF_CODES) == {c for c in Code if c.startswith("proof_")}, "each has its row"


def proof_rows(first: str, last: str | None = None) -> tuple[ProofRow, ...]:
    """The table from the row named `first` through `last`: for a server that awaits
    something between two rows (the API, the signature in its helper process)."""
    names = [r.name for r in PROOF_TABLE]
    return PROOF_TABLE[names.index(first) : None if last is None else names.index(last) + 1]


def run_proof(
    p: ProofPresented, table: tuple[ProofRow, ...] = PROOF_TABLE, every: bool = False
) -> tuple[Finding, ...]:
    """The table's findings on `p`, in its order: the first alone (a server's refusal),
    or with `every` all of them (the diagnosis): a row is then skipped where what it
    reads is missing (no parts, a refused key)."""
    if not every:
        for row in table:
            found = row[2](p)
            if found is not None:
                return (found,)
        return ()
    findings: list[Finding] = []
    passed: set[str] = set()
    for row in table:
        if (row.name != "proof" and p.parts is None) or (row.after and row.after not in passed):
            continue
        found = row.rule(p)
        if found is None:
            passed.add(row.name)
        else:
            findings.append(found)
    return tuple(findings)
