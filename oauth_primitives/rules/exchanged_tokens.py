"""How a token exchange's subject and actor tokens (RFC 8693 §2.1) are read: by the rule
book's access-token rows, under the policy of the issuer that signed them. The one
reading the bundled authority refuses by and the diagnosis predicts with, so that the
two cannot name a different finding for the same token:

- a token of this issuer: its algorithms, the API's leeway, `jti` (revocation is looked
  up by it) and `sub` (who the new token speaks for) required;
- a token of an issuer a token exchange profile trusts: any asymmetric algorithm, `sub`
  required;
- any other issuer: `iss_mismatch`, read no further; a revoked token of ours: `inactive`.

`exchange.py`'s rows then sort the finding: `iss_mismatch` is subject_token_untrusted,
`expired` subject_token_expired, anything else subject_token_invalid."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from .access_token import Policy
from .closed_sets import ASYMMETRIC, ISSUER_SIGNS
from .findings import Code, Finding
from .jws import Jws, parse
from .table import Presented, rows, run

# The table's rows on the token itself, as an API runs them (the request's rows, from
# the binding on, concern a call to an API, not an exchange).
EXCHANGED_TOKEN_ROWS = rows("form", "required claims")
OURS_REQUIRED = (("jti", None), ("sub", None))
THEIRS_REQUIRED = (("sub", None),)


@dataclass(frozen=True)
class ExchangedToken:
    """A subject or actor token parsed once, and who signed it: `policy` is what it is
    judged by (None when it is not read further: `found` says why)."""

    token: str
    jws: Jws | None
    claims: Mapping = field(default_factory=dict)
    policy: Policy | None = None
    found: Finding | None = None  # found before any key is needed: its form, its issuer
    ours: bool = False  # signed by this issuer (so revocable here)


def read_exchanged(
    token: str, issuer: str | None, trusted: Collection[str], leeway: float
) -> ExchangedToken:
    """`token` parsed, its issuer placed: this `issuer`'s, one of the `trusted` issuers
    (a profile's trusted_issuers), or neither (`iss_mismatch`)."""
    jws = parse(token)
    if isinstance(jws, Finding):
        return ExchangedToken(token, None, found=jws)
    claims = jws.payload
    iss = claims.get("iss")
    if issuer is not None and iss == issuer:
        policy = Policy(issuer, None, ISSUER_SIGNS, leeway, required_claims=OURS_REQUIRED)
        return ExchangedToken(token, jws, claims, policy, ours=True)
    if isinstance(iss, str) and iss in trusted:
        policy = Policy(iss, None, ASYMMETRIC, leeway, required_claims=THEIRS_REQUIRED)
        return ExchangedToken(token, jws, claims, policy)
    return ExchangedToken(token, jws, claims, found=exchange_untrusted(iss, issuer))


def exchange_untrusted(iss: object, issuer: str | None) -> Finding:
    return Finding(Code.ISS_MISMATCH, {"iss": iss, "expected": issuer})


def judge_exchanged(
    read: ExchangedToken,
    now: float,
    keys: Mapping[str, Any] | None,
    revoked: Callable[[str], bool] | None = None,
) -> Finding | None:
    """The first finding against the token, None when it passes. `keys`: its issuer's
    signing keys by kid (None: not known, so neither the key nor the signature is
    judged: the diagnosis's case); `revoked`: whether a jti of ours is revoked (None: not
    known)."""
    if read.found is not None or read.policy is None:
        return read.found
    presented = Presented(read.token, read.policy, now, keys=keys, jws=read.jws)
    found = run(presented, EXCHANGED_TOKEN_ROWS)
    if found:
        return found[0]
    if read.ours and revoked is not None and revoked(str(read.claims["jti"])):
        return Finding(Code.INACTIVE)
    return None
