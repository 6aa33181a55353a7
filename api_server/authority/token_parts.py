"""What every grant the token endpoint issues by puts in a token the same way: its id,
the DPoP key it is bound to, the grant's settings as the rule book reads them."""

from __future__ import annotations

import secrets

from starlette.requests import Request

from oauth_primitives import base64url
from oauth_primitives.rules.issuance import GrantSettings

from ..dpop import DpopError, addressed_url, check_proof
from .authority import Authority
from .errors import OAuthError
from .models import ClientGrant

_random = bytearray()


def new_jti() -> str:
    """16 random bytes, base64url: a token id. Read from the OS 4 KiB at a time, as one
    system call per token was a measurable part of the endpoint's time."""
    global _random
    if len(_random) < 16:
        _random = bytearray(secrets.token_bytes(4096))
    chunk = bytes(_random[:16])
    del _random[:16]
    return base64url.encode(chunk)


def grant_settings(grant: ClientGrant) -> GrantSettings:
    return GrantSettings(tuple(grant.scope), grant.organization_usage, grant.allow_any_organization)


def dpop_key(authority: Authority, request: Request) -> str:
    """The thumbprint of the key of the request's DPoP proof (RFC 9449 §5), when the
    proof is valid; else a refusal: a bad proof, or a nonce to use."""
    proofs = request.headers.getlist("dpop")
    try:
        proof = check_proof(
            proofs,
            "POST",
            addressed_url(request.scope, request.headers.get("host")),
            authority.dpop_replay,
            authority.dpop_nonces,
        )
    except DpopError as exc:
        headers = {}
        if exc.error == "use_dpop_nonce":
            headers["DPoP-Nonce"] = authority.dpop_nonces.current()
        raise OAuthError(400, exc.error, exc.description, headers) from None
    return proof.jkt
