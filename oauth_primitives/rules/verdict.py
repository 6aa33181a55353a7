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
