"""The authority's one table of operations: each row is a route (method, path, handler)
and its OpenAPI description, so the server and its document cannot drift apart. The
Starlette routes (app.py) and /openapi.json are both built from OPERATIONS."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from oauth_primitives.discovery import OAUTH, OPENID
from oauth_primitives.rules.closed_sets import CLIENT_ASSERTION, ISSUER_SIGNS

from .action_operations import ROWS as ACTION_ROWS
from .exchange_profile_operations import ROWS as EXCHANGE_PROFILE_ROWS
from .introspection import introspect
from .management import (
    client_credentials,
    client_grants,
    clients,
    organizations,
    resource_servers,
    signing_keys,
)
from .management_scopes import MANAGEMENT_SCOPES
from .metadata import discovery, health, jwks
from .openapi_schemas import (
    CLIENT_FIELDS,
    CREDENTIAL,
    CREDENTIALS,
    GRANT_ORGANIZATIONS,
    INTROSPECTION,
    OAUTH_ERROR,
    ORGANIZATION,
    PAGE,
    RESOURCE_SERVER_FIELDS,
    SCOPE_LIST,
    TOKEN,
    TOKEN_ABOUT,
    TOKEN_REQUEST,
    closed_object,
    json_body,
    operation,
    path_id,
)
from .quota_operations import ROWS as QUOTA_ROWS
from .revocation import revoke
from .token_endpoint import token

V2 = "/api/v2"
Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    handler: Handler
    spec: dict  # the OpenAPI operation object

    def __post_init__(self) -> None:
        # A Management API handler names its scope once (@endpoint); the document says
        # the same by reading it from there.
        scope = getattr(self.handler, "required_scope", None)
        if scope is not None:
            object.__setattr__(self, "spec", {"security": [{"bearerAuth": [scope]}], **self.spec})


def _get(summary: str, kind: str, description: str) -> dict:
    """An unauthenticated GET that answers a JSON document."""
    schema = {"type": "object", "required": ["keys"]} if kind == "jwks" else {"type": "object"}
    return {
        "summary": summary,
        "security": [],
        "responses": {"200": {"description": description, **json_body(schema)}},
    }


TOKEN_ERRORS = {
    code: {"description": text, **json_body(OAUTH_ERROR)}
    for code, text in {
        "400": "invalid_request, invalid_scope, unsupported_grant_type",
        "401": "invalid_client (see WWW-Authenticate for client_secret_basic)",
        "403": "access_denied: no grant, or an unknown audience",
        "413": "body over 64 KiB",
        "415": "neither a form nor JSON",
        "429": "too_many_attempts: failed client authentications; too_many_requests: a token "
        "quota used up (Auth0-Client-Quota-Limit or -Organization-); see Retry-After",
    }.items()
}


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(request.app.state.authority.issuer))


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/oauth/token",
        token,
        {
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
            "responses": {"200": {"description": "A token", **json_body(TOKEN)}, **TOKEN_ERRORS},
        },
    ),
    Operation(
        "POST",
        "/oauth/introspect",
        introspect,
        {
            "operationId": "introspect",
            "summary": "RFC 7662 introspection: is this token active, and what may it do",
            "security": [{}, {"basicAuth": []}],
            "requestBody": {
                "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": TOKEN_ABOUT}},
            },
            "responses": {
                "200": {"description": "What the token is", **json_body(INTROSPECTION)},
                **{k: v for k, v in TOKEN_ERRORS.items() if k in ("400", "401", "413", "415")},
                "429": TOKEN_ERRORS["429"],
            },
        },
    ),
    Operation(
        "POST",
        "/oauth/revoke",
        revoke,
        {
            "operationId": "revoke",
            "summary": "RFC 7009 revocation of an access token issued to this client",
            "security": [{}, {"basicAuth": []}],
            "requestBody": {
                "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": TOKEN_ABOUT}},
            },
            "responses": {
                "200": {"description": "Revoked (or nothing to revoke)"},
                **{k: v for k, v in TOKEN_ERRORS.items() if k in ("400", "401", "413", "415")},
                "429": TOKEN_ERRORS["429"],
                "503": {
                    "description": "too many revoked tokens remembered",
                    **json_body(OAUTH_ERROR),
                },
            },
        },
    ),
    Operation("GET", OPENID, discovery, _get("Discovery (OpenID)", "object", "Metadata")),
    Operation("GET", OAUTH, discovery, _get("Discovery (RFC 8414)", "object", "Metadata")),
    Operation(
        "GET", "/.well-known/jwks.json", jwks, _get("The public signing keys", "jwks", "JWKS")
    ),
    Operation("GET", "/health", health, _get("Liveness", "object", "OK")),
    Operation("GET", "/openapi.json", openapi, _get("This document", "object", "OpenAPI 3.1")),
    Operation(
        "GET",
        f"{V2}/resource-servers",
        resource_servers.list_resource_servers,
        operation("List APIs", "200", parameters=PAGE),
    ),
    Operation(
        "POST",
        f"{V2}/resource-servers",
        resource_servers.create_resource_server,
        operation(
            "Create an API",
            "201",
            closed_object(
                {
                    "identifier": {"type": "string", "minLength": 1},
                    "signing_alg": {"type": "string", "enum": [a.value for a in ISSUER_SIGNS]},
                    **RESOURCE_SERVER_FIELDS,
                },
                ("identifier",),
            ),
        ),
    ),
    Operation(
        "GET",
        f"{V2}/resource-servers/{{id}}",
        resource_servers.get_resource_server,
        operation("Get an API", "200", parameters=path_id()),
    ),
    Operation(
        "PATCH",
        f"{V2}/resource-servers/{{id}}",
        resource_servers.update_resource_server,
        operation(
            "Update an API (name, scopes, lifetime, dialect)",
            "200",
            closed_object(RESOURCE_SERVER_FIELDS),
            parameters=path_id(),
        ),
    ),
    Operation(
        "GET",
        f"{V2}/clients",
        clients.list_clients,
        operation("List applications", "200", parameters=PAGE),
    ),
    Operation(
        "POST",
        f"{V2}/clients",
        clients.create_client,
        operation(
            "Create an application (its secret is in this answer only)",
            "201",
            closed_object(
                {
                    "client_id": {"type": "string", "minLength": 1},
                    "client_authentication_methods": CREDENTIALS,
                    **CLIENT_FIELDS,
                },
                ("name",),
            ),
        ),
    ),
    Operation(
        "GET",
        f"{V2}/clients/{{id}}",
        clients.get_client,
        operation("Get an application", "200", parameters=path_id()),
    ),
    Operation(
        "PATCH",
        f"{V2}/clients/{{id}}",
        clients.update_client,
        operation(
            "Update an application",
            "200",
            closed_object({"client_authentication_methods": CREDENTIALS, **CLIENT_FIELDS}),
            parameters=path_id(),
        ),
    ),
    Operation(
        "DELETE",
        f"{V2}/clients/{{id}}",
        clients.delete_client,
        operation("Delete an application and its grants", "204", parameters=path_id()),
    ),
    Operation(
        "GET",
        f"{V2}/clients/{{id}}/credentials",
        client_credentials.list_credentials,
        operation("List an application's credentials", "200", parameters=path_id()),
    ),
    Operation(
        "POST",
        f"{V2}/clients/{{id}}/credentials",
        client_credentials.create_credential,
        operation(
            "Create a credential (a public key, a certificate or a subject DN)",
            "201",
            CREDENTIAL,
            parameters=path_id(),
        ),
    ),
    Operation(
        "DELETE",
        f"{V2}/clients/{{id}}/credentials/{{credential_id}}",
        client_credentials.delete_credential,
        operation(
            "Delete a credential",
            "204",
            parameters=path_id() + path_id("credential_id"),
        ),
    ),
    Operation(
        "POST",
        f"{V2}/clients/{{id}}/rotate-secret",
        clients.rotate_secret,
        operation("Rotate the secret", "200", parameters=path_id()),
    ),
    Operation(
        "GET",
        f"{V2}/client-grants",
        client_grants.list_client_grants,
        operation(
            "List grants",
            "200",
            parameters=[
                *PAGE,
                {"name": "client_id", "in": "query", "schema": {"type": "string"}},
                {"name": "audience", "in": "query", "schema": {"type": "string"}},
            ],
        ),
    ),
    Operation(
        "POST",
        f"{V2}/client-grants",
        client_grants.create_client_grant,
        operation(
            "Authorize an application for an API",
            "201",
            closed_object(
                {
                    "client_id": {"type": "string"},
                    "audience": {"type": "string"},
                    "scope": SCOPE_LIST,
                    **GRANT_ORGANIZATIONS,
                },
                ("client_id", "audience", "scope"),
            ),
        ),
    ),
    Operation(
        "GET",
        f"{V2}/client-grants/{{id}}",
        client_grants.get_client_grant,
        operation("Get a grant", "200", parameters=path_id()),
    ),
    Operation(
        "PATCH",
        f"{V2}/client-grants/{{id}}",
        client_grants.update_client_grant,
        operation(
            "Change a grant's scopes or organization usage",
            "200",
            closed_object({"scope": SCOPE_LIST, **GRANT_ORGANIZATIONS}),
            parameters=path_id(),
        ),
    ),
    Operation(
        "GET",
        f"{V2}/client-grants/{{id}}/organizations",
        client_grants.list_grant_organizations,
        operation(
            "The organizations a grant may name",
            "200",
            parameters=[*path_id(), *PAGE],
        ),
    ),
    Operation(
        "DELETE",
        f"{V2}/client-grants/{{id}}",
        client_grants.delete_client_grant,
        operation("Remove a grant", "204", parameters=path_id()),
    ),
    Operation(
        "GET",
        f"{V2}/organizations",
        organizations.list_organizations,
        operation("List organizations", "200", parameters=PAGE),
    ),
    Operation(
        "POST",
        f"{V2}/organizations",
        organizations.create_organization,
        operation(
            "Create an organization",
            "201",
            closed_object(ORGANIZATION, ("name",)),
        ),
    ),
    Operation(
        "GET",
        f"{V2}/organizations/{{id}}",
        organizations.get_organization,
        operation("Get an organization", "200", parameters=path_id()),
    ),
    Operation(
        "PATCH",
        f"{V2}/organizations/{{id}}",
        organizations.update_organization,
        operation(
            "Rename an organization",
            "200",
            closed_object(ORGANIZATION),
            parameters=path_id(),
        ),
    ),
    Operation(
        "DELETE",
        f"{V2}/organizations/{{id}}",
        organizations.delete_organization,
        operation(
            "Delete an organization and its grants' associations",
            "204",
            parameters=path_id(),
        ),
    ),
    Operation(
        "GET",
        f"{V2}/organizations/{{id}}/client-grants",
        organizations.list_organization_client_grants,
        operation(
            "The client grants that may name this organization",
            "200",
            parameters=[*path_id(), *PAGE],
        ),
    ),
    Operation(
        "POST",
        f"{V2}/organizations/{{id}}/client-grants",
        organizations.associate_client_grant,
        operation(
            "Let a client grant name this organization",
            "201",
            closed_object({"grant_id": {"type": "string"}}, ("grant_id",)),
            parameters=path_id(),
        ),
    ),
    Operation(
        "DELETE",
        f"{V2}/organizations/{{id}}/client-grants/{{grant_id}}",
        organizations.dissociate_client_grant,
        operation(
            "Stop a client grant naming this organization",
            "204",
            parameters=[*path_id(), *path_id("grant_id")],
        ),
    ),
    Operation(
        "GET",
        f"{V2}/keys/signing",
        signing_keys.list_signing_keys,
        operation("List signing keys", "200"),
    ),
    Operation(
        "POST",
        f"{V2}/keys/signing/rotate",
        signing_keys.rotate_signing_key,
        operation("Rotate: next becomes current", "201"),
    ),
    Operation(
        "GET",
        f"{V2}/keys/signing/{{kid}}",
        signing_keys.get_signing_key,
        operation("Get a signing key", "200", parameters=path_id("kid")),
    ),
    Operation(
        "PUT",
        f"{V2}/keys/signing/{{kid}}/revoke",
        signing_keys.revoke_signing_key,
        operation(
            "Revoke a key (not the current one)",
            "200",
            parameters=path_id("kid"),
        ),
    ),
    *(Operation(*row) for row in ACTION_ROWS),
    *(Operation(*row) for row in QUOTA_ROWS),
    *(Operation(*row) for row in EXCHANGE_PROFILE_ROWS),
)


def routes() -> list[Route]:
    return [Route(op.path, op.handler, methods=[op.method]) for op in OPERATIONS]


def openapi_document(issuer: str) -> dict:
    """The OpenAPI 3.1 document of everything the authority serves."""
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = op.spec
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
        "x-assertion-algorithms": list(CLIENT_ASSERTION),
    }
