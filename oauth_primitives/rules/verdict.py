"""Every rule on one token, in the order the bundled API applies them, for a caller
that holds the issuer's keys already: the diagnosis, and the tests that prove the two
agree. The API itself runs the same rules one by one, as its keys come from a cache."""

from __future__ import annotations

from .access_token import (
    Policy,
    binding_finding,
    claim_findings,
    header_findings,
    organization_finding,
    scheme_finding,
    scope_finding,
)
from .findings import Code, Finding
from .jws import MAX_TOKEN, Jws, parse
from .keys import key_finding, verify

# Findings after which the key cannot be chosen, or must not be tried.
_NO_KEY = frozenset({Code.ALG_NONE, Code.ALG_SYMMETRIC, Code.ALG_NOT_ALLOWED, Code.KID_MISSING})


def judge(
    token: str,
    policy: Policy,
    keys: dict[str, dict] | None,
    now: float,
    scheme: str = "Bearer",
    scope: str | None = None,
    limit: int | None = MAX_TOKEN,
) -> tuple[Jws | None, list[Finding]]:
    """The token's parts (None when its form stops everything) and every finding, the
    API's answer first. `keys` (the JWKS's signing keys by kid) None: not known, so
    neither the key nor the signature is judged."""
    required = scheme_finding(scheme, policy)
    found: list[Finding] = [required] if required else []
    parsed = parse(token, limit)
    if isinstance(parsed, Finding):
        return None, found + [parsed]
    return parsed, found + judge_parts(parsed, policy, keys, now, scheme, scope)


def judge_parts(
    parsed: Jws,
    policy: Policy,
    keys: dict[str, dict] | None,
    now: float,
    scheme: str = "Bearer",
    scope: str | None = None,
) -> list[Finding]:
    """Every rule after the form: for a token already taken apart (the diagnosis reads
    one whose form is wrong too, to say everything else about it)."""
    header = header_findings(parsed.header, policy)
    found = list(header)
    if keys is not None and not any(f.code in _NO_KEY for f in header):
        found += key_and_signature(parsed, keys)
    found += claim_findings(parsed.payload, policy, now)
    return found + request_findings(parsed.payload, policy, scheme, scope)


def key_and_signature(parsed: Jws, keys: dict[str, dict]) -> list[Finding]:
    kid, alg = parsed.header["kid"], parsed.header["alg"]
    jwk = keys.get(kid)
    if jwk is None:
        return [Finding(Code.KID_UNKNOWN, {"kid": kid})]
    unfit = key_finding(alg, jwk)
    if unfit is not None:
        return [unfit]
    if not verify(alg, jwk, parsed.signing_input, parsed.signature):
        return [Finding(Code.SIGNATURE_INVALID, {"kid": kid, "alg": alg})]
    return []


def request_findings(claims: dict, policy: Policy, scheme: str, scope: str | None) -> list[Finding]:
    """What this request may do with a valid token: its binding, organization, scope.
    (A DPoP proof's own rules are in `proof`.)"""
    found = (
        binding_finding(claims, scheme),
        organization_finding(claims, policy),
        scope_finding(claims, scope),
    )
    return [f for f in found if f is not None]


# The order the bundled API applies the rules in: the first finding in it is its answer.
# (judge() finds them in this order; the property tests hold the API to it.)
ORDER = (
    Code.DPOP_REQUIRED,
    Code.TOO_LARGE,
    Code.OPAQUE,
    Code.ENCRYPTED,
    Code.NOT_A_JWS,
    Code.BAD_ENCODING,
    Code.INACTIVE,
    Code.ALG_NONE,
    Code.ALG_SYMMETRIC,
    Code.ALG_NOT_ALLOWED,
    Code.CRIT_NOT_UNDERSTOOD,
    Code.TYP_NOT_AT_JWT,
    Code.KID_MISSING,
    Code.KID_UNKNOWN,
    Code.KEY_TYPE_MISMATCH,
    Code.KEY_ALG_MISMATCH,
    Code.KEY_TOO_SMALL,
    Code.SIGNATURE_INVALID,
    Code.ISS_MISMATCH,
    Code.ISS_TRAILING_SLASH,
    Code.AUD_MISMATCH,
    Code.EXP_MISSING,
    Code.NOT_A_NUMBER,
    Code.EXPIRED,
    Code.NOT_YET_VALID,
    Code.IAT_FUTURE,
    Code.CLAIMS_MISSING,
    Code.CLAIM_REQUIRED,
    Code.CLAIM_VALUE,
    Code.DPOP_BOUND_AS_BEARER,
    Code.NOT_BOUND_AS_DPOP,
    Code.NOT_CERT_BOUND,
    Code.CERT_MISSING,
    Code.CERT_MISMATCH,
    Code.PROOF_MISSING,
    Code.PROOF_MULTIPLE,
    Code.PROOF_MALFORMED,
    Code.PROOF_TYP,
    Code.PROOF_ALG,
    Code.PROOF_NO_JWK,
    Code.PROOF_PRIVATE_KEY,
    Code.PROOF_KEY_UNUSABLE,
    Code.PROOF_SIGNATURE,
    Code.PROOF_CLAIM_MISSING,
    Code.PROOF_HTM,
    Code.PROOF_HTU,
    Code.PROOF_NONCE,
    Code.PROOF_STALE,
    Code.PROOF_AHEAD,
    Code.PROOF_BEYOND_MEMORY,
    Code.PROOF_ATH_MISSING,
    Code.PROOF_ATH_MISMATCH,
    Code.PROOF_REPLAYED,
    Code.PROOF_KEY_NOT_BOUND,
    Code.ORGANIZATION_MISSING,
    Code.ORGANIZATION_NOT_SERVED,
    Code.SCOPE_NOT_STRING,
    Code.SCOPE_MISSING,
)
assert set(ORDER) == set(Code), "every code has its place in the order"
_RANK = {code: i for i, code in enumerate(ORDER)}
# The times are judged claim by claim (exp, then nbf, then iat), each at most one finding.
_TIME_CLAIM = {
    Code.EXP_MISSING: "exp",
    Code.EXPIRED: "exp",
    Code.NOT_YET_VALID: "nbf",
    Code.IAT_FUTURE: "iat",
}
_CLAIM_RANK = {"exp": 0, "nbf": 1, "iat": 2}


def rank(code: str, claim: str = "") -> tuple[int, int]:
    """Where a finding comes in the API's order; `claim` places NOT_A_NUMBER."""
    code = Code(code)
    if code in _TIME_CLAIM or code == Code.NOT_A_NUMBER:
        which = _TIME_CLAIM.get(code, claim)
        return _RANK[Code.EXP_MISSING], _CLAIM_RANK.get(which, 0)
    return _RANK[code], 0
