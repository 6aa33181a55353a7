"""What the authority says about itself: discovery (RFC 8414, OpenID Connect), the
JWKS (RFC 7517) and a liveness answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from oauth_primitives.rules.proof import ALGORITHMS as DPOP_ALGORITHMS

from .client_auth import ASSERTION_ALGS
from .state import Authority

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt")


def discovery_document(authority: Authority) -> dict:
    """RFC 8414 §2 metadata; the same document serves OpenID discovery."""
    issuer = authority.issuer
    return {
        "issuer": issuer,
        "token_endpoint": authority.token_endpoint,
        # RFC 7662 and RFC 7009, under RFC 8414's names; the same client authentication.
        "introspection_endpoint": issuer + "oauth/introspect",
        "revocation_endpoint": issuer + "oauth/revoke",
        "introspection_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "jwks_uri": issuer + ".well-known/jwks.json",
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": ["token"],
        "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGS),
        "dpop_signing_alg_values_supported": list(DPOP_ALGORITHMS),  # RFC 9449 §5.1
        "id_token_signing_alg_values_supported": ["RS256"],
        "subject_types_supported": ["public"],
        "scopes_supported": [],
    }


async def jwks(request: Request) -> Response:
    authority: Authority = request.app.state.authority
    # A short max-age ([server] jwks_max_age, 5 s): APIs that honour it (the bundled
    # one does) notice a revoked key within seconds.
    max_age = authority.settings.jwks_max_age
    return JSONResponse(authority.jwks, headers={"Cache-Control": f"public, max-age={max_age}"})


async def discovery(request: Request) -> Response:
    return JSONResponse(discovery_document(request.app.state.authority))


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})
