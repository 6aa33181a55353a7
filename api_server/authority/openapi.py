"""The authorization server's own OpenAPI 3.1 document: the token endpoint, metadata,
JWKS and the Management API v2 subset, so clients and fuzzers can read what it takes.

Schemas describe what the server checks, so that a request the document calls
valid is answered as the document says, and a request it calls invalid is refused.
"""

from __future__ import annotations

from .client_auth import ASSERTION_ALGS
from .management.clients import AUTH_METHODS, KEY_ALGS
from .management.resource_servers import DIALECTS
from .management.scopes import MANAGEMENT_SCOPES

OAUTH_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    "required": ["error"],
}
AUTH0_ERROR = {
    "type": "object",
    "properties": {
        "statusCode": {"type": "integer"},
        "error": {"type": "string"},
        "message": {"type": "string"},
        "errorCode": {"type": "string"},
    },
    "required": ["statusCode", "error", "message"],
}
TOKEN = {
    "type": "object",
    "properties": {
        "access_token": {"type": "string"},
        "token_type": {"enum": ["Bearer", "DPoP"]},
        "expires_in": {"type": "integer"},
        "scope": {"type": "string"},
    },
    "required": ["access_token", "token_type", "expires_in"],
}
TOKEN_REQUEST = {
    "type": "object",
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "client_id": {"type": "string"},
        "client_secret": {"type": "string"},
        "audience": {"type": "string"},
        "resource": {"type": "string"},
        "scope": {"type": "string"},
        "client_assertion_type": {"type": "string"},
        "client_assertion": {"type": "string"},
    },
    "required": ["grant_type"],
}
PAGE = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
    },
    {"name": "include_totals", "in": "query", "schema": {"type": "boolean"}},
]
SCOPE = {
    "type": "object",
    "properties": {
        "value": {"type": "string", "pattern": r"^\S+$"},  # one scope: no spaces
        "description": {"type": "string"},
    },
    "required": ["value"],
}
RESOURCE_SERVER_FIELDS = {
    "name": {"type": "string"},
    "scopes": {"type": "array", "items": SCOPE},
    "token_lifetime": {"type": "integer", "minimum": 1, "maximum": 2592000},
    "token_dialect": {"type": "string", "enum": list(DIALECTS)},
    "proof_of_possession": {
        "oneOf": [
            {"type": "null"},
            {
                "type": "object",
                "properties": {
                    "mechanism": {"const": "dpop"},
                    "required": {"type": "boolean"},
                },
                "required": ["mechanism"],
                "additionalProperties": False,
            },
        ]
    },
}
CREDENTIALS = {
    "type": "object",
    "properties": {
        "private_key_jwt": {
            "type": "object",
            "properties": {
                "credentials": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "credential_type": {"const": "public_key"},
                            "pem": {"type": "string"},
                            "alg": {"type": "string", "enum": list(KEY_ALGS)},
                            "name": {"type": "string"},
                        },
                        "required": ["credential_type", "pem"],
                    },
                }
            },
            "required": ["credentials"],
        }
    },
    "required": ["private_key_jwt"],
}
CLIENT_FIELDS = {
    "name": {"type": "string", "minLength": 1, "pattern": r"\S"},
    "description": {"type": "string"},
    "token_endpoint_auth_method": {
        "type": "string",
        "enum": [m for m in AUTH_METHODS if m != "private_key_jwt"],
    },
    "app_type": {"type": "string"},
    "grant_types": {"type": "array", "items": {"type": "string"}},
}
SCOPE_LIST = {"type": "array", "items": {"type": "string", "minLength": 1}}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _op(summary: str, scope: str | None, ok: str, body: dict | None = None, **extra) -> dict:
    """One Management API operation: its scope, success and Auth0-shaped errors."""
    responses: dict = {
        ok: {"description": "Success", **({} if ok == "204" else _json({}))},
        "400": {"description": "Invalid body or parameters", **_json(AUTH0_ERROR)},
        "401": {"description": "No token, or an invalid one", **_json(AUTH0_ERROR)},
        "403": {"description": "The token lacks the scope", **_json(AUTH0_ERROR)},
        "404": {"description": "No such record", **_json(AUTH0_ERROR)},
        "409": {"description": "Conflicts with an existing record", **_json(AUTH0_ERROR)},
        "413": {"description": "Body over 64 KiB", **_json(AUTH0_ERROR)},
        "503": {"description": "The tenant database is busy; retry", **_json(AUTH0_ERROR)},
    }
    op: dict = {
        "summary": summary,
        "security": [{"bearerAuth": [scope]}] if scope else [],
        "responses": responses,
        **extra,
    }
    if body is not None:
        op["requestBody"] = {"required": True, **_json(body)}
    return op


def _object(properties: dict, required: tuple[str, ...] = ()) -> dict:
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


def _id(name: str = "id") -> list[dict]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}]


def authority_openapi(issuer: str) -> dict:
    v2 = "/api/v2"
    token_errors = {
        code: {"description": text, **_json(OAUTH_ERROR)}
        for code, text in {
            "400": "invalid_request, invalid_scope, unsupported_grant_type",
            "401": "invalid_client (see WWW-Authenticate for client_secret_basic)",
            "403": "access_denied: no grant, or an unknown audience",
            "413": "body over 64 KiB",
            "415": "neither a form nor JSON",
            "429": "too many failed client authentications (see Retry-After)",
        }.items()
    }
    paths = {
        "/oauth/token": {
            "post": {
                "operationId": "token",
                "summary": "client_credentials token (Auth0's /oauth/token)",
                "security": [{}, {"basicAuth": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {"schema": TOKEN_REQUEST},
                        "application/json": {"schema": TOKEN_REQUEST},
                    },
                },
                "responses": {"200": {"description": "A token", **_json(TOKEN)}, **token_errors},
            }
        },
        "/.well-known/openid-configuration": {
            "get": {
                "summary": "Discovery (OpenID)",
                "security": [],
                "responses": {"200": {"description": "Metadata", **_json({"type": "object"})}},
            }
        },
        "/.well-known/oauth-authorization-server": {
            "get": {
                "summary": "Discovery (RFC 8414)",
                "security": [],
                "responses": {"200": {"description": "Metadata", **_json({"type": "object"})}},
            }
        },
        "/.well-known/jwks.json": {
            "get": {
                "summary": "The public signing keys",
                "security": [],
                "responses": {
                    "200": {
                        "description": "JWKS",
                        **_json({"type": "object", "required": ["keys"]}),
                    }
                },
            }
        },
        "/health": {
            "get": {
                "summary": "Liveness",
                "security": [],
                "responses": {"200": {"description": "OK", **_json({"type": "object"})}},
            }
        },
        f"{v2}/resource-servers": {
            "get": _op("List APIs", "read:resource_servers", "200", parameters=PAGE),
            "post": _op(
                "Create an API",
                "create:resource_servers",
                "201",
                _object(
                    {
                        "identifier": {"type": "string", "minLength": 1},
                        "signing_alg": {"type": "string", "enum": ["RS256"]},
                        **RESOURCE_SERVER_FIELDS,
                    },
                    ("identifier",),
                ),
            ),
        },
        f"{v2}/resource-servers/{{id}}": {
            "get": _op("Get an API", "read:resource_servers", "200", parameters=_id()),
            "patch": _op(
                "Update an API (name, scopes, lifetime, dialect)",
                "update:resource_servers",
                "200",
                _object(RESOURCE_SERVER_FIELDS),
                parameters=_id(),
            ),
        },
        f"{v2}/clients": {
            "get": _op("List applications", "read:clients", "200", parameters=PAGE),
            "post": _op(
                "Create an application (its secret is in this answer only)",
                "create:clients",
                "201",
                _object(
                    {
                        "client_id": {"type": "string", "minLength": 1},
                        "client_authentication_methods": CREDENTIALS,
                        **CLIENT_FIELDS,
                    },
                    ("name",),
                ),
            ),
        },
        f"{v2}/clients/{{id}}": {
            "get": _op("Get an application", "read:clients", "200", parameters=_id()),
            "patch": _op(
                "Update an application",
                "update:clients",
                "200",
                _object({"client_authentication_methods": CREDENTIALS, **CLIENT_FIELDS}),
                parameters=_id(),
            ),
            "delete": _op(
                "Delete an application and its grants", "delete:clients", "204", parameters=_id()
            ),
        },
        f"{v2}/clients/{{id}}/rotate-secret": {
            "post": _op("Rotate the secret", "update:clients", "200", parameters=_id()),
        },
        f"{v2}/client-grants": {
            "get": _op(
                "List grants",
                "read:client_grants",
                "200",
                parameters=[
                    *PAGE,
                    {"name": "client_id", "in": "query", "schema": {"type": "string"}},
                    {"name": "audience", "in": "query", "schema": {"type": "string"}},
                ],
            ),
            "post": _op(
                "Authorize an application for an API",
                "create:client_grants",
                "201",
                _object(
                    {
                        "client_id": {"type": "string"},
                        "audience": {"type": "string"},
                        "scope": SCOPE_LIST,
                    },
                    ("client_id", "audience", "scope"),
                ),
            ),
        },
        f"{v2}/client-grants/{{id}}": {
            "get": _op("Get a grant", "read:client_grants", "200", parameters=_id()),
            "patch": _op(
                "Change a grant's scopes",
                "update:client_grants",
                "200",
                _object({"scope": SCOPE_LIST}),
                parameters=_id(),
            ),
            "delete": _op("Remove a grant", "delete:client_grants", "204", parameters=_id()),
        },
        f"{v2}/keys/signing": {
            "get": _op("List signing keys", "read:signing_keys", "200"),
        },
        f"{v2}/keys/signing/rotate": {
            "post": _op("Rotate: next becomes current", "create:signing_keys", "201"),
        },
        f"{v2}/keys/signing/{{kid}}": {
            "get": _op("Get a signing key", "read:signing_keys", "200", parameters=_id("kid")),
        },
        f"{v2}/keys/signing/{{kid}}/revoke": {
            "put": _op(
                "Revoke a key (not the current one)",
                "update:signing_keys",
                "200",
                parameters=_id("kid"),
            ),
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "m2m-tui local authorization server",
            "version": "1.0.0",
            "description": "Auth0-compatible: /oauth/token, discovery, JWKS and a "
            "Management API v2 subset. Management tokens: client_credentials for "
            f"audience {issuer}api/v2/.",
        },
        "servers": [{"url": issuer.rstrip("/")}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "basicAuth": {"type": "http", "scheme": "basic"},
                "bearerAuth": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": issuer + "oauth/token",
                            "scopes": dict(MANAGEMENT_SCOPES),
                        }
                    },
                },
            }
        },
        "x-assertion-algorithms": list(ASSERTION_ALGS),
    }
