"""`/api/v2/client-grants`: which client may get tokens for which API, with which scopes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..authority import Authority
from ..models import ORGANIZATION_USAGES, ClientGrant
from .endpoint import endpoint, field, json_body, only, paginate, string_list
from .errors import ManagementError, bad_request, not_found


def _find(authority: Authority, request: Request) -> ClientGrant:
    grant = authority.tenant.grants.get(request.path_params["id"])
    if grant is None:
        raise not_found("client grant", "inexistent_client_grant")
    return grant


def _organization_fields(data: dict) -> tuple[str | None, bool | None]:
    """organization_usage and allow_any_organization, as Auth0 spells them."""
    usage = field(data, "organization_usage", str)
    if usage is not None and usage not in ORGANIZATION_USAGES:
        raise bad_request(
            f"organization_usage must be one of {', '.join(ORGANIZATION_USAGES)}, not {usage!r}"
        )
    return usage, field(data, "allow_any_organization", bool)


def _check_scopes(authority: Authority, audience: str, scope: list[str]) -> None:
    api = authority.tenant.resource_servers.get(audience)
    unknown = [s for s in scope if s not in (api.scope_values if api else [])]
    if unknown:
        raise bad_request(f"scopes not defined on {audience}: {', '.join(unknown)}")


@endpoint("read:client_grants")
async def list_client_grants(request: Request, authority: Authority) -> Response:
    grants = authority.tenant.grants.all(
        client_id=request.query_params.get("client_id"),
        audience=request.query_params.get("audience"),
    )
    return JSONResponse(paginate(request, [g.to_api() for g in grants], "client_grants"))


@endpoint("read:client_grants")
async def get_client_grant(request: Request, authority: Authority) -> Response:
    return JSONResponse(_find(authority, request).to_api())


@endpoint("read:organization_client_grants")
async def list_grant_organizations(request: Request, authority: Authority) -> Response:
    """Auth0's `GET /client-grants/{id}/organizations`: the organizations this grant may
    name in a token request (the Grants screen shows them beside its usage)."""
    grant = _find(authority, request)
    orgs = [
        authority.tenant.organizations.get(o)
        for o in authority.tenant.organizations.of_grant(grant.id)
    ]
    shown = [o.to_api() for o in orgs if o is not None]
    return JSONResponse(paginate(request, shown, "organizations"))


@endpoint("create:client_grants")
async def create_client_grant(request: Request, authority: Authority) -> Response:
    data = await json_body(request)
    only(data, {"client_id", "audience", "scope", "organization_usage", "allow_any_organization"})
    client_id = field(data, "client_id", str, required=True)
    audience = field(data, "audience", str, required=True)
    scope = string_list(data, "scope", required=True)
    usage, allow_any = _organization_fields(data)
    if authority.tenant.clients.get(client_id) is None:
        raise not_found("client", "inexistent_client")
    api = authority.tenant.resource_servers.get(audience)
    if api is None or api.identifier != audience:
        raise ManagementError(
            404, "No resource server found by the specified audience", "inexistent_resource_server"
        )
    _check_scopes(authority, audience, scope)
    grant = authority.tenant.grants.create(
        client_id, audience, list(dict.fromkeys(scope)), usage or "deny", bool(allow_any)
    )
    return JSONResponse(grant.to_api(), status_code=201)


@endpoint("update:client_grants")
async def update_client_grant(request: Request, authority: Authority) -> Response:
    grant = _find(authority, request)
    data = await json_body(request)
    only(data, {"scope", "organization_usage", "allow_any_organization"})
    scope = string_list(data, "scope")
    usage, allow_any = _organization_fields(data)
    if scope is not None:
        _check_scopes(authority, grant.audience, scope)
        grant = authority.tenant.grants.update_scope(grant.id, list(dict.fromkeys(scope)))
        if grant is None:  # deleted between the read and the write
            raise not_found("client grant", "inexistent_client_grant")
    if usage is not None or allow_any is not None:
        grant = authority.tenant.grants.update_organizations(grant.id, usage, allow_any)
        if grant is None:
            raise not_found("client grant", "inexistent_client_grant")
    return JSONResponse(grant.to_api())


@endpoint("delete:client_grants")
async def delete_client_grant(request: Request, authority: Authority) -> Response:
    grant = _find(authority, request)
    authority.tenant.delete_grant(grant.id)
    return Response(status_code=204)
