"""Reading back an access token this authority issued, by the rule book: the rules the
API applies (form, header, key and signature, claims; `oauth_primitives.rules`), with a
`Policy` per use and the API's leeway. Introspection (RFC 7662), revocation (RFC 7009)
and the Management API all start here: each gets the token's claims, or the first
finding against it, whose code and words its refusal carries."""

from __future__ import annotations

from collections.abc import Collection

from oauth_primitives.rules.access_token import (
    Policy,
    claim_findings,
    client_of,
    header_findings,
)
from oauth_primitives.rules.closed_sets import ISSUER_SIGNS
from oauth_primitives.rules.findings import Code, Finding
from oauth_primitives.rules.jws import parse
from oauth_primitives.rules.keys import signing_keys
from oauth_primitives.rules.verdict import key_and_signature

from .state import Authority

# A token of ours always carries a jti: introspection and revocation look it up.
JTI = (("jti", None),)


def issued_to(claims: dict) -> str:
    """The client a token of ours was issued to, as the rule book reads it (the
    diagnosis and the client read it the same way)."""
    return client_of(claims) or ""


def issued_policy(
    authority: Authority,
    audience: str | None = None,
    required: tuple[tuple[str, str | None], ...] = JTI,
) -> Policy:
    """What the authority expects of a token it signed: its issuer, the algorithms it
    signs with, and the API's leeway ([server.api] leeway): a token the bundled API
    takes is one introspection calls active, and one it refuses as expired is not."""
    return Policy(
        authority.issuer,
        audience,
        ISSUER_SIGNS,
        authority.settings.api.leeway,
        required_claims=required,
    )


def judge_issued(
    authority: Authority, token: str, policy: Policy, ignored: Collection[Code] = ()
) -> dict | Finding:
    """The claims of `token` when it passes every rule of `policy` (but those `ignored`)
    at the authority's clock, with its keys (a revoked key is not one); else the first
    finding, in the API's order: its form, header, key and signature, then the claims."""
    parsed = parse(token)
    if isinstance(parsed, Finding):
        return parsed
    found = header_findings(parsed.header, policy)
    if not found:
        found = key_and_signature(parsed, signing_keys(authority.jwks))
    if not found:
        found = claim_findings(parsed.payload, policy, authority.clock())
        found = [f for f in found if f.code not in ignored]
    return found[0] if found else parsed.payload
