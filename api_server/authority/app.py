"""The authorization server as a Starlette application."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .authority import Authority
from .operations import routes
from .token_endpoint import token


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
    # Every route is a row of the one table the OpenAPI document is built from too.
    app = Starlette(routes=routes(), exception_handlers={HTTPException: http_error})
    app.state.authority = authority
    return TokenFastPath(app)
