"""The Routes API's one endpoint, its scope, and its OpenAPI document, from one row."""

from __future__ import annotations

from ..resource.endpoints import Endpoint, Param

NAME = "Routes API"
SCOPE = "routes:read"
SCOPE_DESCRIPTION = "Read a route between two places"

ROUTES = Endpoint(
    operation_id="route",
    method="GET",
    path="/api/routes",
    scope=SCOPE,
    summary="A route between two places, read on a caller's behalf",
    params=(
        Param("from", "Where the route starts (a landmark or a city)", True, example="Seattle"),
        Param("to", "Where the route ends (a landmark or a city)", True, example="Auth0 Office"),
    ),
    returns="object",
)
ENDPOINTS = (ROUTES,)

_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}}


def openapi_document(base_url: str, token_url: str, audience: str) -> dict:
    e = ROUTES
    answers = {
        "200": "The route: from, to, steps, and on_behalf_of and actors (the act chain)",
        "400": "A missing or invalid parameter, named in the body",
        "401": "No token, or one this API refuses (see WWW-Authenticate and `rule`): "
        "among them a token with no act (actor_missing) or another actor",
        "403": f"The token lacks the {e.scope} scope",
        "404": "Unknown place",
    }
    operation = {
        "operationId": e.operation_id,
        "summary": e.summary,
        "description": f"Requires the `{e.scope}` scope, in a token obtained by token "
        "exchange (RFC 8693): its `act` names the service calling on the caller's behalf.",
        "x-required-scope": e.scope,
        "security": [{"bearerAuth": [e.scope]}],
        "parameters": [
            {
                "name": p.name,
                "in": "query",
                "required": p.required,
                "description": p.description,
                "schema": {"type": p.kind},
                "example": p.example,
            }
            for p in e.params
        ],
        "responses": {
            status: {
                "description": words,
                "content": {"application/json": {"schema": _ERROR if status != "200" else {}}},
            }
            for status, words in answers.items()
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": NAME,
            "version": "1.0.0",
            "description": f"Tokens for audience `{audience}`, by token exchange at {token_url}.",
        },
        "servers": [{"url": base_url}],
        "paths": {
            e.path: {"get": operation},
            "/health": {"get": {"operationId": "health", "security": [], "responses": {}}},
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
        },
        "x-audience": audience,
    }
