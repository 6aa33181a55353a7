"""Reading back an access token this authority issued: its claims when the signature is
one of our keys (a revoked key does not count), else None. Introspection (RFC 7662)
and revocation (RFC 7009) both start here."""

from __future__ import annotations

import jwt

from oauth_primitives.rules.access_token import client_of

from .state import Authority


def issued_to(claims: dict) -> str:
    """The client a token of ours was issued to, as the rule book reads it (the
    diagnosis and the client read it the same way)."""
    return client_of(claims) or ""


def issued_claims(authority: Authority, token: str, verify_exp: bool = True) -> dict | None:
    """The claims of `token` when this authority signed it and (with `verify_exp`) it has
    not expired; None for anything else: another issuer's, a forgery, garbage."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        return None
    key = authority.verification_keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        return None
    try:
        return jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            issuer=authority.issuer,
            options={"verify_aud": False, "verify_exp": verify_exp, "require": ["jti", "exp"]},
            leeway=0,
        )
    except jwt.PyJWTError:
        return None
