"""`/api/v2/organizations` and their client grants: Auth0's Organizations for M2M. An
organization associated with a client grant may be named in that client's token
requests for the grant's API (`organization=`), and its id then rides in the token."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..authority import Authority
from ..models import Organization
from .endpoint import endpoint, field, json_body, only, paginate
from .errors import ManagementError, bad_request, not_found
from .quota_fields import token_quota

# Auth0: lowercase letters, digits, '-' and '_', starting with a letter or digit, 1 to 50.
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")
FIELDS = {"name", "display_name", "token_quota"}


def _find(authority: Authority, request: Request) -> Organization:
    org = authority.tenant.organizations.get(request.path_params["id"])
    if org is None or org.id != request.path_params["id"]:
        raise not_found("organization", "inexistent_organization")
    return org


def _name(data: dict, required: bool) -> str | None:
    name = field(data, "name", str, required)
    if name is not None and not NAME.fullmatch(name):
        raise bad_request(
            f"name {name!r} must be 1 to 50 lowercase letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return name


def _display_name(data: dict) -> str | None:
    shown = field(data, "display_name", str)
    if shown is not None and not 1 <= len(shown) <= 255:
        raise bad_request("display_name must be 1 to 255 characters")
    return shown


@endpoint("read:organizations")
async def list_organizations(request: Request, authority: Authority) -> Response:
    orgs = [o.to_api() for o in authority.tenant.organizations.all()]
    return JSONResponse(paginate(request, orgs, "organizations"))


@endpoint("create:organizations")
async def create_organization(request: Request, authority: Authority) -> Response:
    data = await json_body(request)
    only(data, FIELDS)
    name = _name(data, required=True)
    shown, (_, quota) = _display_name(data) or "", token_quota(data)
    org = authority.tenant.organizations.create(name, shown, quota)
    return JSONResponse(org.to_api(), status_code=201)


@endpoint("read:organizations")
async def get_organization(request: Request, authority: Authority) -> Response:
    return JSONResponse(_find(authority, request).to_api())


@endpoint("update:organizations")
async def update_organization(request: Request, authority: Authority) -> Response:
    org = _find(authority, request)
    data = await json_body(request)
    only(data, FIELDS)
    name, shown = _name(data, required=False), _display_name(data)
    given, quota = token_quota(data)
    changed = Organization(
        org.id,
        name or org.name,
        org.display_name if shown is None else shown,
        quota if given else org.token_quota,
    )
    authority.tenant.organizations.update(changed)
    return JSONResponse(changed.to_api())


@endpoint("delete:organizations")
async def delete_organization(request: Request, authority: Authority) -> Response:
    """As Auth0: the organization goes, and with it every grant's association to it (the
    grants themselves stay); the clients can no longer get tokens for it."""
    org = _find(authority, request)
    authority.tenant.organizations.delete(org.id)
    return Response(status_code=204)


@endpoint("read:organization_client_grants")
async def list_organization_client_grants(request: Request, authority: Authority) -> Response:
    org = _find(authority, request)
    grants = [
        authority.tenant.grants.get(g) for g in authority.tenant.organizations.grant_ids(org.id)
    ]
    shown = [g.to_api() for g in grants if g is not None]
    return JSONResponse(paginate(request, shown, "client_grants"))


@endpoint("create:organization_client_grants")
async def associate_client_grant(request: Request, authority: Authority) -> Response:
    org = _find(authority, request)
    data = await json_body(request)
    only(data, {"grant_id"})
    grant_id = field(data, "grant_id", str, required=True)
    grant = authority.tenant.grants.get(grant_id)
    if grant is None:
        raise ManagementError(
            404,
            f"No client grant {grant_id}: create it first (POST /client-grants)",
            "inexistent_client_grant",
        )
    authority.tenant.organizations.associate(org.id, grant.id)
    return JSONResponse(grant.to_api(), status_code=201)


@endpoint("delete:organization_client_grants")
async def dissociate_client_grant(request: Request, authority: Authority) -> Response:
    org = _find(authority, request)
    if not authority.tenant.organizations.dissociate(org.id, request.path_params["grant_id"]):
        raise ManagementError(
            404,
            f"The client grant {request.path_params['grant_id']} is not associated with "
            f"the organization {org.name}",
            "inexistent_client_grant",
        )
    return Response(status_code=204)
