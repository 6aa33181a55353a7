"""`/api/v2/resource-servers`: the APIs of the tenant and their scopes."""

from __future__ import annotations

import copy

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from oauth_primitives.rules.closed_sets import ISSUER_SIGNS, Dialect
from oauth_primitives.token_shape import DIALECTS

from ..authority import Authority
from ..models import ResourceServer, Scope
from ..tenant import new_id
from .endpoint import endpoint, field, json_body, only, paginate
from .errors import ManagementError, bad_request, not_found


def _scopes(data: dict) -> list[Scope] | None:
    raw = field(data, "scopes", list)
    if raw is None:
        return None
    scopes, seen = [], set()
    for item in raw:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("value"), str)
            or not item["value"]
        ):
            raise bad_request("each scope must be an object with a non-empty string value")
        if " " in item["value"]:
            raise bad_request(f"scope {item['value']!r} must not contain spaces")
        if item["value"] in seen:
            raise bad_request(f"scope {item['value']} is listed twice")
        seen.add(item["value"])
        description = item.get("description", "")
        if not isinstance(description, str):
            raise bad_request("a scope's description must be a string")
        scopes.append(Scope(item["value"], description))
    return scopes


def _settings(data: dict, rs: ResourceServer) -> None:
    lifetime = field(data, "token_lifetime", int)
    if lifetime is not None:
        if not 1 <= lifetime <= 2_592_000:
            raise bad_request("token_lifetime must be between 1 and 2592000 seconds")
        rs.token_lifetime = lifetime
    dialect = field(data, "token_dialect", str)
    if dialect is not None:
        if dialect not in DIALECTS:
            raise bad_request(f"token_dialect must be one of {', '.join(DIALECTS)}")
        rs.token_dialect = dialect
    rbac = field(data, "enforce_policies", bool)
    if rbac is not None:
        rs.enforce_policies = rbac
    if Dialect(rs.token_dialect).needs_rbac and not rs.enforce_policies:
        # As at Auth0: permissions in the token are RBAC's, so RBAC must be on.
        raise bad_request(
            f"token_dialect {rs.token_dialect} needs enforce_policies true (RBAC): the "
            "permissions claim lists what RBAC grants"
        )
    scopes = _scopes(data)
    if scopes is not None:
        rs.scopes = scopes
    if "proof_of_possession" in data:
        rs.proof_of_possession = _proof_of_possession(data["proof_of_possession"])


def _proof_of_possession(value: object) -> dict | None:
    """Auth0's `{"mechanism": "dpop" | "mtls", "required": bool}` (RFC 9449, RFC 8705),
    or null to drop it."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"mechanism", "required"}:
        raise bad_request(
            'proof_of_possession must be {"mechanism": "dpop" or "mtls", "required": bool}'
        )
    mechanism = value.get("mechanism")
    if mechanism not in ("dpop", "mtls"):
        raise bad_request("proof_of_possession.mechanism must be dpop or mtls")
    required = value.get("required", False)
    if not isinstance(required, bool):
        raise bad_request("proof_of_possession.required must be true or false")
    return {"mechanism": mechanism, "required": required}


def _find(authority: Authority, request: Request) -> ResourceServer:
    rs = authority.tenant.resource_servers.get(request.path_params["id"])
    if rs is None:
        raise not_found("resource server", "inexistent_resource_server")
    return copy.deepcopy(rs)  # edited in place before saving; the tenant's copy stays intact


@endpoint("read:resource_servers")
async def list_resource_servers(request: Request, authority: Authority) -> Response:
    items = [rs.to_api() for rs in authority.tenant.resource_servers.all()]
    return JSONResponse(paginate(request, items, "resource_servers"))


@endpoint("read:resource_servers")
async def get_resource_server(request: Request, authority: Authority) -> Response:
    return JSONResponse(_find(authority, request).to_api())


@endpoint("create:resource_servers")
async def create_resource_server(request: Request, authority: Authority) -> Response:
    data = await json_body(request)
    only(
        data,
        {
            "name",
            "identifier",
            "scopes",
            "token_lifetime",
            "token_dialect",
            "enforce_policies",
            "signing_alg",
            "proof_of_possession",
        },
    )
    identifier = field(data, "identifier", str, required=True)
    if not identifier.strip():
        raise bad_request("identifier must not be empty")
    if authority.tenant.resource_servers.get(identifier) is not None:
        raise ManagementError(
            409, "A resource server with the same identifier already exists", "conflict"
        )
    alg = field(data, "signing_alg", str) or ISSUER_SIGNS[0]
    if alg not in ISSUER_SIGNS:
        raise bad_request(f"signing_alg must be {' or '.join(ISSUER_SIGNS)} on this tenant")
    rs = ResourceServer(
        id=new_id("", 24).lower(),
        name=field(data, "name", str) or identifier,
        identifier=identifier,
    )
    _settings(data, rs)
    authority.tenant.resource_servers.save(rs)
    return JSONResponse(rs.to_api(), status_code=201)


@endpoint("update:resource_servers")
async def update_resource_server(request: Request, authority: Authority) -> Response:
    rs = _find(authority, request)
    data = await json_body(request)
    only(
        data,
        {
            "name",
            "scopes",
            "token_lifetime",
            "token_dialect",
            "enforce_policies",
            "proof_of_possession",
        },
    )
    if rs.is_system:
        raise ManagementError(
            403, "The Management API cannot be changed", "operation_not_supported"
        )
    name = field(data, "name", str)
    if name is not None:
        rs.name = name
    _settings(data, rs)
    authority.tenant.resource_servers.save(rs)
    return JSONResponse(rs.to_api())
