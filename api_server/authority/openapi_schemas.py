"""The JSON Schemas of the authority's OpenAPI document, and the helpers that shape an
operation (its scope, its success and Auth0-shaped errors).

Schemas describe what the server checks, so that a request the document calls
valid is answered as the document says, and a request it calls invalid is refused.
"""

from __future__ import annotations

from oauth_primitives.rules.closed_sets import CLIENT_ASSERTION, AuthMethod
from oauth_primitives.token_exchange import GRANT_TYPE as EXCHANGE_GRANT

from .management.clients import AUTH_METHODS
from .management.resource_servers import DIALECTS

OAUTH_ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "error_description": {"type": "string"},
        "rule": {
            "type": "string",
            "description": "This authority's code for why it refused "
            "(oauth_primitives.token_refusals.Refusal)",
        },
        "action": {
            "type": "string",
            "description": "The credentials-exchange Action whose denial or failure it is",
        },
    },
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
        "issued_token_type": {"type": "string", "description": "RFC 8693 §2.2.1"},
    },
    "required": ["access_token", "token_type", "expires_in"],
}
TOKEN_REQUEST = {
    "type": "object",
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials", EXCHANGE_GRANT]},
        "client_id": {"type": "string"},
        "client_secret": {"type": "string"},
        "audience": {"type": "string"},
        "resource": {"type": "string"},
        "scope": {"type": "string"},
        "client_assertion_type": {"type": "string"},
        "client_assertion": {"type": "string"},
        # RFC 8693 §2.1, for the token exchange grant.
        "subject_token": {"type": "string"},
        "subject_token_type": {"type": "string"},
        "actor_token": {"type": "string"},
        "actor_token_type": {"type": "string"},
        "requested_token_type": {"type": "string"},
    },
    "required": ["grant_type"],
}
CLIENT_AUTH_FIELDS = {
    "client_id": {"type": "string"},
    "client_secret": {"type": "string"},
    "client_assertion_type": {"type": "string"},
    "client_assertion": {"type": "string"},
}
TOKEN_ABOUT = {  # RFC 7662 §2.1 and RFC 7009 §2.1: the token a client asks about
    "type": "object",
    "properties": {
        "token": {"type": "string"},
        "token_type_hint": {"type": "string"},
        **CLIENT_AUTH_FIELDS,
    },
    "required": ["token"],
}
INTROSPECTION = {
    "type": "object",
    "properties": {
        "active": {"type": "boolean"},
        "scope": {"type": "string"},
        "client_id": {"type": "string"},
        "token_type": {"type": "string"},
        "exp": {"type": "integer"},
        "iat": {"type": "integer"},
        "sub": {"type": "string"},
        "iss": {"type": "string"},
        "jti": {"type": "string"},
    },
    "required": ["active"],
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
# Auth0's checkpoint paging, where its newer lists use it (token exchange profiles).
CHECKPOINT = [
    {"name": "from", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]+$"}},
    {"name": "take", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
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
    "enforce_policies": {"type": "boolean"},
    "proof_of_possession": {
        "oneOf": [
            {"type": "null"},
            {
                "type": "object",
                "properties": {
                    "mechanism": {"enum": ["dpop", "mtls"]},
                    "required": {"type": "boolean"},
                },
                "required": ["mechanism"],
                "additionalProperties": False,
            },
        ]
    },
}
# Auth0's fine-grained M2M token quotas (management/quota_fields.py checks the same).
TOKEN_QUOTA = {
    "type": "object",
    "properties": {
        "client_credentials": {
            "type": "object",
            "properties": {
                "enforce": {"type": "boolean"},
                "per_hour": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                "per_day": {"type": "integer", "minimum": 1, "maximum": 2147483647},
            },
            "additionalProperties": False,
            "minProperties": 1,
        }
    },
    "required": ["client_credentials"],
    "additionalProperties": False,
}
NULLABLE_TOKEN_QUOTA = {"oneOf": [{"type": "null"}, TOKEN_QUOTA]}
DEFAULT_TOKEN_QUOTA = {
    "oneOf": [
        {"type": "null"},
        {
            "type": "object",
            "properties": {"clients": TOKEN_QUOTA, "organizations": TOKEN_QUOTA},
            "additionalProperties": False,
            "minProperties": 1,
        },
    ]
}
# Organizations for M2M: on client grants, and the organization itself.
GRANT_ORGANIZATIONS = {
    "organization_usage": {"type": "string", "enum": ["deny", "allow", "require"]},
    "allow_any_organization": {"type": "boolean"},
}
ORGANIZATION = {
    "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,49}$"},
    "display_name": {"type": "string", "minLength": 1, "maxLength": 255},
    "token_quota": NULLABLE_TOKEN_QUOTA,
}
# A credential, in Auth0's shapes: a public key (private_key_jwt), a certificate
# (x509_cert: self_signed_tls_client_auth) or a subject DN (cert_subject_dn:
# tls_client_auth, as the DN or a certificate to read it from).
CREDENTIAL = {
    "type": "object",
    "properties": {
        "credential_type": {"enum": ["public_key", "x509_cert", "cert_subject_dn"]},
        "pem": {"type": "string"},
        "subject_dn": {"type": "string"},
        # RFC 8705 §2.1.2, instead of subject_dn (not Auth0's: its credentials take a DN)
        "tls_client_auth_san_dns": {"type": "string"},
        "tls_client_auth_san_uri": {"type": "string"},
        "tls_client_auth_san_ip": {"type": "string"},
        "tls_client_auth_san_email": {"type": "string"},
        "alg": {"type": "string", "enum": list(CLIENT_ASSERTION)},
        "name": {"type": "string"},
    },
    "required": ["credential_type"],
    "additionalProperties": False,
}
# In a client: one method, its credentials inline or by the id of one made before.
METHOD_CREDENTIALS = {
    "type": "object",
    "properties": {
        "credentials": {
            "type": "array",
            "items": {
                "oneOf": [
                    CREDENTIAL,
                    {
                        "type": "object",
                        "properties": {"id": {"type": "string"}},
                        "required": ["id"],
                        "additionalProperties": False,
                    },
                ]
            },
        }
    },
    "required": ["credentials"],
}
CREDENTIALS = {
    "type": "object",
    "properties": {m.value: METHOD_CREDENTIALS for m in AuthMethod if m.by_credential},
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
}
CLIENT_FIELDS = {
    "name": {"type": "string", "minLength": 1, "pattern": r"\S"},
    "description": {"type": "string"},
    "token_endpoint_auth_method": {
        "type": "string",
        "enum": [m for m in AUTH_METHODS if m is not AuthMethod.PRIVATE_KEY_JWT],
    },
    "app_type": {"type": "string"},
    "grant_types": {"type": "array", "items": {"type": "string"}},
    "token_quota": NULLABLE_TOKEN_QUOTA,
}
SCOPE_LIST = {"type": "array", "items": {"type": "string", "minLength": 1}}


def json_body(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def operation(summary: str, ok: str, body: dict | None = None, **extra) -> dict:
    """One Management API operation: its success and Auth0-shaped errors. Its scope is
    the handler's own (management.endpoint), filled in by `Operation`."""
    responses: dict = {
        ok: {"description": "Success", **({} if ok == "204" else json_body({}))},
        "400": {"description": "Invalid body or parameters", **json_body(AUTH0_ERROR)},
        "401": {"description": "No token, or an invalid one", **json_body(AUTH0_ERROR)},
        "403": {"description": "The token lacks the scope", **json_body(AUTH0_ERROR)},
        "404": {"description": "No such record", **json_body(AUTH0_ERROR)},
        "409": {"description": "Conflicts with an existing record", **json_body(AUTH0_ERROR)},
        "413": {"description": "Body over 64 KiB", **json_body(AUTH0_ERROR)},
        "503": {"description": "The tenant database is busy; retry", **json_body(AUTH0_ERROR)},
    }
    op: dict = {
        "summary": summary,
        "responses": responses,
        **extra,
    }
    if body is not None:
        op["requestBody"] = {"required": True, **json_body(body)}
    return op


def closed_object(properties: dict, required: tuple[str, ...] = ()) -> dict:
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


def path_id(name: str = "id") -> list[dict]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}]
