"""The API's self-description: OpenAPI 3.1 and RFC 9728 metadata, both from ENDPOINTS."""

from __future__ import annotations

from oauth_primitives.rules.closed_sets import DPOP_PROOF, ISSUER_SIGNS

from .endpoints import ENDPOINTS, SCOPES

ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "error_description": {"type": "string"},
        "message": {"type": "string"},
    },
    "required": ["message"],
}


def protected_resource_metadata(
    base_url: str,
    issuer: str,
    audience: str,
    strict_rfc9068: bool = False,
    dpop_required: bool = False,
    validation: str = "jwt",
    organization_required: bool = False,
    organizations: tuple[str, ...] = (),
    algorithms: tuple[str, ...] = ISSUER_SIGNS,
    mtls_required: bool = False,
    required_claims: tuple[tuple[str, str | None], ...] = (),
) -> dict:
    """RFC 9728 §2. Extensions: `audience`, the value to request tokens for;
    `rfc9068_required`, whether only `typ: at+jwt` tokens are accepted; and
    `token_validation`, how tokens are checked: "jwt" (signature and claims, here: a
    revoked token passes until its exp) or "introspection" (RFC 7662 at the issuer, for
    every token: a revoked one is refused at once, opaque tokens are accepted);
    `organization_required` (a token must carry org_id, Auth0's Organizations for M2M)
    and `organizations_supported` (the organizations served, by id or name; empty: any);
    `access_token_signing_alg_values_supported`, the algorithms access tokens may be
    signed with (RFC 9728 names only those of proofs and of signed responses);
    `required_claims`, claims a token must carry (and their values, when one is set)."""
    return {
        "resource": base_url,
        "authorization_servers": [issuer],
        "scopes_supported": list(SCOPES),
        "bearer_methods_supported": ["header", "query"],
        "resource_name": "World Mappers API",
        "resource_documentation": base_url + "/openapi.json",
        "audience": audience,
        "rfc9068_required": strict_rfc9068,
        "dpop_signing_alg_values_supported": list(DPOP_PROOF),
        "dpop_bound_access_tokens_required": dpop_required,
        # RFC 9728 §2: whether only certificate-bound tokens (RFC 8705) are accepted.
        "tls_client_certificate_bound_access_tokens": mtls_required,
        "token_validation": validation,
        "organization_required": organization_required,
        "organizations_supported": list(organizations),
        "access_token_signing_alg_values_supported": list(algorithms),
        # Claims every token must carry ({"name", "value"}; value null: any value).
        "required_claims": [{"name": n, "value": v} for n, v in required_claims],
    }


def openapi_document(base_url: str, token_url: str, audience: str) -> dict:
    paths: dict = {}
    for e in ENDPOINTS:
        responses = {
            "200": {
                "description": "Success",
                "content": {"application/json": {"schema": {"type": e.returns}}},
                **(
                    {
                        "headers": {
                            name: {"description": words, "schema": {"type": "string"}}
                            for name, words in e.answer_headers
                        }
                    }
                    if e.answer_headers
                    else {}
                ),
            },
            "400": {
                "description": "A missing or invalid parameter, named in the body",
                "content": {"application/json": {"schema": ERROR}},
            },
            "401": {
                "description": "No token, or an invalid one (see WWW-Authenticate)",
                "content": {"application/json": {"schema": ERROR}},
            },
            "403": {
                "description": f"The token lacks the {e.scope} scope",
                "content": {"application/json": {"schema": ERROR}},
            },
        }
        if e.not_found is not None:
            responses["404"] = {
                "description": e.not_found,
                "content": {"application/json": {"schema": ERROR}},
            }
        paths[e.path] = {
            e.method.lower(): {
                "operationId": e.operation_id,
                "summary": e.summary,
                "description": f"Requires the `{e.scope}` scope."
                + (
                    " Absent parameters take their defaults (the Auth0 Office, as the "
                    "original sample's API answered)."
                    if any(p.default is not None for p in e.params)
                    else ""
                ),
                "x-required-scope": e.scope,
                "security": [{"oauth2": [e.scope]}, {"bearerAuth": [e.scope]}],
                "parameters": [
                    {
                        "name": p.name,
                        "in": p.where,
                        "required": p.required,
                        "description": p.description,
                        "schema": {
                            "type": p.kind,
                            **({"default": p.default} if p.default is not None else {}),
                        },
                        **({"example": p.example} if p.example is not None else {}),
                    }
                    for p in e.params
                ],
                "responses": responses,
            }
        }
    health = {
        "get": {
            "operationId": "health",
            "summary": "Liveness (no token needed)",
            "security": [],
            "responses": {"200": {"description": "OK"}},
        }
    }
    paths["/health"] = health
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "World Mappers API",
            "version": "1.0.0",
            "description": f"Tokens: client_credentials for audience `{audience}`.",
        },
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "oauth2": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": token_url,
                            "scopes": {e.scope: e.summary for e in ENDPOINTS},
                        }
                    },
                },
            }
        },
        "x-audience": audience,
    }
