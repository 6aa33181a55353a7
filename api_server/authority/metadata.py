"""What the authority says about itself: discovery (RFC 8414, OpenID Connect), the
JWKS (RFC 7517) and a liveness answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from oauth_primitives.rules.closed_sets import (
    CLIENT_ASSERTION,
    CLIENT_SECRET_ASSERTION,
    DPOP_PROOF,
    ISSUER_SIGNS,
    AuthMethod,
)
from oauth_primitives.token_exchange import GRANT_TYPE as EXCHANGE_GRANT

from .authority import Authority

AUTH_METHODS = tuple(m for m in AuthMethod if not m.by_certificate)
TLS_AUTH_METHODS = tuple(m for m in AuthMethod if m.by_certificate)


def mtls_available(authority: Authority) -> bool:
    """A client certificate can reach the authority: it serves TLS (and asks for one),
    or a trusted edge forwards it."""
    return authority.issuer.startswith("https://") or bool(authority.trusted_edges)


def discovery_document(authority: Authority) -> dict:
    """RFC 8414 §2 metadata; the same document serves OpenID discovery."""
    issuer = authority.issuer
    methods = [*AUTH_METHODS, *(TLS_AUTH_METHODS if mtls_available(authority) else ())]
    return {
        "issuer": issuer,
        "token_endpoint": authority.token_endpoint,
        # RFC 7662 and RFC 7009, under RFC 8414's names; the same client authentication.
        "introspection_endpoint": issuer + "oauth/introspect",
        "revocation_endpoint": issuer + "oauth/revoke",
        "introspection_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_methods_supported": methods,
        "jwks_uri": issuer + ".well-known/jwks.json",
        "grant_types_supported": ["client_credentials", EXCHANGE_GRANT],  # RFC 8693
        "response_types_supported": ["token"],
        "token_endpoint_auth_methods_supported": methods,
        # RFC 8414 §2: private_key_jwt's algorithms, and client_secret_jwt's HMACs.
        "token_endpoint_auth_signing_alg_values_supported": [
            *CLIENT_ASSERTION,
            *CLIENT_SECRET_ASSERTION,
        ],
        "dpop_signing_alg_values_supported": list(DPOP_PROOF),  # RFC 9449 §5.1
        "id_token_signing_alg_values_supported": list(ISSUER_SIGNS),
        "subject_types_supported": ["public"],
        "scopes_supported": [],
        # RFC 8705 §3.3: tokens bound to the client's certificate, for an API that asks.
        "tls_client_certificate_bound_access_tokens": True,
        **_mtls_aliases(authority),
    }


def _mtls_aliases(authority: Authority) -> dict:
    """RFC 8705 §5: where a client presents its certificate. Here the same endpoints, on
    a listener that asks for one (TLS, or a trusted edge that forwards it)."""
    if not mtls_available(authority):
        return {}
    return {
        "mtls_endpoint_aliases": {
            "token_endpoint": authority.token_endpoint,
            "introspection_endpoint": authority.issuer + "oauth/introspect",
            "revocation_endpoint": authority.issuer + "oauth/revoke",
        }
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
