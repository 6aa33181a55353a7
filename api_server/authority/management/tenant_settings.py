"""`/api/v2/tenants/settings`: of Auth0's tenant settings, the one this tenant keeps,
`default_token_quota` (the token quotas of every client and organization without one
of their own). A PATCH replaces it whole; null removes it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..authority import Authority
from .endpoint import endpoint, json_body, only
from .quota_fields import default_token_quota


def _settings(authority: Authority) -> dict:
    quota = authority.tenant.settings.default_token_quota()
    return {"default_token_quota": quota} if quota else {}


@endpoint("read:tenant_settings")
async def get_tenant_settings(request: Request, authority: Authority) -> Response:
    return JSONResponse(_settings(authority))


@endpoint("update:tenant_settings")
async def update_tenant_settings(request: Request, authority: Authority) -> Response:
    data = await json_body(request)
    only(data, {"default_token_quota"})
    if "default_token_quota" in data:
        value = default_token_quota(data["default_token_quota"])
        authority.tenant.settings.set_default_token_quota(value)
    return JSONResponse(_settings(authority))
