"""The authorization server as a Starlette application."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..dpop import ALGORITHMS as DPOP_ALGORITHMS
from .client_auth import ASSERTION_ALGS
from .management import client_grants, clients, resource_servers, signing_keys
from .state import Authority
from .token_endpoint import token



def discovery_document(authority: Authority) -> dict:
    """RFC 8414 §2 metadata; the same document serves OpenID discovery."""
    issuer = authority.issuer
    return {
        "issuer": issuer,
        "token_endpoint": authority.token_endpoint,
        "jwks_uri": issuer + ".well-known/jwks.json",
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": ["token"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
        ],
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


async def openapi(request: Request) -> Response:
    from .openapi import authority_openapi

    return JSONResponse(authority_openapi(request.app.state.authority.issuer))


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def http_error(request: Request, exc: HTTPException) -> Response:
    return JSONResponse(
        {
            "error": "not_found" if exc.status_code == 404 else "invalid_request",
            "error_description": exc.detail,
        },
        status_code=exc.status_code,
        headers=exc.headers,
    )


class TokenFastPath:
    """`POST /oauth/token` straight to its handler; everything else through Starlette.

    The token endpoint is the one route under load. Starlette's middleware stack and
    router cost a tenth of each token's time on the event loop, which signing leaves
    little of; the handler is the same either way.
    """

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.state = app.state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] == "/oauth/token":
            if scope["method"] == "POST":
                scope["app"] = self.app  # what request.app means to the handler
                try:
                    response = await token(Request(scope, receive))
                except Exception:  # as Starlette's ServerErrorMiddleware would: a 500
                    logging.getLogger("api_server.authority").exception("token endpoint failed")
                    response = JSONResponse(
                        {"error": "server_error", "error_description": "Internal error"},
                        status_code=500,
                    )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_authority_app(authority: Authority) -> TokenFastPath:
    v2 = "/api/v2"
    routes = [
        Route("/oauth/token", token, methods=["POST"]),
        Route("/.well-known/jwks.json", jwks),
        Route("/.well-known/openid-configuration", discovery),
        Route("/.well-known/oauth-authorization-server", discovery),
        Route("/health", health),
        Route("/openapi.json", openapi),
        Route(f"{v2}/resource-servers", resource_servers.list_resource_servers),
        Route(f"{v2}/resource-servers", resource_servers.create_resource_server, methods=["POST"]),
        Route(f"{v2}/resource-servers/{{id}}", resource_servers.get_resource_server),
        Route(
            f"{v2}/resource-servers/{{id}}",
            resource_servers.update_resource_server,
            methods=["PATCH"],
        ),
        Route(f"{v2}/clients", clients.list_clients),
        Route(f"{v2}/clients", clients.create_client, methods=["POST"]),
        Route(f"{v2}/clients/{{id}}", clients.get_client),
        Route(f"{v2}/clients/{{id}}", clients.update_client, methods=["PATCH"]),
        Route(f"{v2}/clients/{{id}}", clients.delete_client, methods=["DELETE"]),
        Route(f"{v2}/clients/{{id}}/rotate-secret", clients.rotate_secret, methods=["POST"]),
        Route(f"{v2}/client-grants", client_grants.list_client_grants),
        Route(f"{v2}/client-grants", client_grants.create_client_grant, methods=["POST"]),
        Route(f"{v2}/client-grants/{{id}}", client_grants.get_client_grant),
        Route(f"{v2}/client-grants/{{id}}", client_grants.update_client_grant, methods=["PATCH"]),
        Route(f"{v2}/client-grants/{{id}}", client_grants.delete_client_grant, methods=["DELETE"]),
        Route(f"{v2}/keys/signing", signing_keys.list_signing_keys),
        Route(f"{v2}/keys/signing/rotate", signing_keys.rotate_signing_key, methods=["POST"]),
        Route(f"{v2}/keys/signing/{{kid}}", signing_keys.get_signing_key),
        Route(
            f"{v2}/keys/signing/{{kid}}/revoke", signing_keys.revoke_signing_key, methods=["PUT"]
        ),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error})
    app.state.authority = authority
    return TokenFastPath(app)
