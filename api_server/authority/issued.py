"""Reading back an access token this authority issued, by the rule book: the rules the
API applies (form, header, key and signature, claims; `oauth_primitives.rules`), with a
`Policy` per use and the API's leeway. Introspection (RFC 7662), revocation (RFC 7009)
and the Management API all start here: each gets the token's claims, or the first
finding against it, whose code and words its refusal carries."""

from __future__ import annotations

from collections.abc import Collection

from oauth_primitives.rules.access_token import (
    Policy,
    client_of,
)
from oauth_primitives.rules.closed_sets import ISSUER_SIGNS
from oauth_primitives.rules.findings import Code, Finding
from oauth_primitives.rules.keys import signing_keys
from oauth_primitives.rules.table import Presented, rows, run

from .authority import Authority

# The table's rows on the token itself, as the API runs them (the request's rows, from
# the binding on, are the API's alone).
TOKEN_ROWS = rows("form", "required claims")
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
    presented = Presented(token, policy, authority.clock(), keys=signing_keys(authority.jwks))
    found = [f for f in run(presented, TOKEN_ROWS, every=True) if f.code not in ignored]
    return found[0] if found else presented.claims
