"""`/api/v2/keys/signing`: list, rotate and revoke the tenant's signing keys."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..authority import Authority
from ..keys import PREVIOUS, SigningKey
from .endpoint import endpoint
from .errors import ManagementError, not_found


def _find(authority: Authority, request: Request) -> SigningKey:
    kid = request.path_params["kid"]
    for key in authority.keys:
        if key.kid == kid:
            return key
    raise not_found("signing key", "inexistent_signing_key")


@endpoint("read:signing_keys")
async def list_signing_keys(request: Request, authority: Authority) -> Response:
    return JSONResponse([k.to_api() for k in reversed(authority.keys)])


@endpoint("read:signing_keys")
async def get_signing_key(request: Request, authority: Authority) -> Response:
    return JSONResponse(_find(authority, request).to_api())


@endpoint("create:signing_keys")
async def rotate_signing_key(request: Request, authority: Authority) -> Response:
    key = authority.rotate_key()
    return JSONResponse({"cert": key.to_api()["cert"], "kid": key.kid}, status_code=201)


@endpoint("update:signing_keys")
async def revoke_signing_key(request: Request, authority: Authority) -> Response:
    key = _find(authority, request)
    # As at Auth0: only a previously used key can be revoked, never the current or next one.
    if key.status != PREVIOUS:
        raise ManagementError(
            400,
            f"Only a previous signing key can be revoked; this one is {key.status}",
            "invalid_body",
        )
    key = authority.revoke_key(key.kid)
    return JSONResponse({"cert": key.to_api()["cert"], "kid": key.kid})
