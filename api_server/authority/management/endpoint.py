"""What every Management API route shares: bearer-token checks, scopes, bodies, errors."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
from starlette.requests import Request
from starlette.responses import Response

from ..state import Authority
from ..store.conflicts import AlreadyExists, Unavailable
from .errors import ManagementError, bad_request, conflict

Handler = Callable[[Request, Authority], Awaitable[Response]]
MAX_BODY = 64 * 1024


def _claims(request: Request, authority: Authority) -> dict:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ManagementError(401, "Missing authentication", "missing_authentication")
    token = token.strip()
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = authority.verification_keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise ManagementError(
                401, "Invalid token: unknown or revoked signing key", "invalid_token"
            )
        return jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=authority.management_audience,
            issuer=authority.issuer,
            options={"require": ["exp", "iat", "aud", "iss"]},
            leeway=5,
        )
    except jwt.InvalidAudienceError:
        raise ManagementError(
            401, f"Bad audience: expected {authority.management_audience}", "invalid_token"
        ) from None
    except jwt.ExpiredSignatureError:
        raise ManagementError(401, "Expired token", "invalid_token") from None
    except jwt.PyJWTError as exc:
        raise ManagementError(401, f"Invalid token: {exc}", "invalid_token") from None


def endpoint(scope: str) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a handler: require a Management API token holding `scope`."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def route(request: Request) -> Response:
            authority: Authority = request.app.state.authority
            try:
                claims = _claims(request, authority)
                granted = claims.get("scope")
                granted = granted.split(" ") if isinstance(granted, str) else []
                if scope not in granted:
                    raise ManagementError(
                        403, f"Insufficient scope, expected any of: {scope}", "insufficient_scope"
                    )
                return await handler(request, authority)
            except ManagementError as exc:
                return exc.response()
            except AlreadyExists as exc:
                return conflict(exc).response()
            except Unavailable as exc:
                # Busy or out of disk: nothing was changed (the transaction rolled back).
                response = ManagementError(
                    503, f"The tenant database is unavailable ({exc}); retry", "database_busy"
                ).response()
                response.headers["Retry-After"] = "1"
                return response

        route.__name__ = handler.__name__
        route.required_scope = scope  # type: ignore[attr-defined]  # for the OpenAPI document
        return route

    return wrap


async def json_body(request: Request, limit: int = MAX_BODY) -> dict[str, Any]:
    body = await request.body()
    if len(body) > limit:
        raise ManagementError(413, "Payload too large", "payload_too_large")
    try:
        data = json.loads(body or b"null")
    except ValueError:
        raise bad_request("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise bad_request("the body must be a JSON object")
    return data


def field(data: dict, name: str, kind: type, required: bool = False) -> Any:
    if name not in data:
        if required:
            raise bad_request(f"Missing required property: {name}")
        return None
    value = data[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise bad_request(f"Expected type {kind.__name__} for property {name}")
    return value


def string_list(data: dict, name: str, required: bool = False) -> list[str] | None:
    value = field(data, name, list, required)
    if value is not None and not all(isinstance(v, str) and v for v in value):
        raise bad_request(f"{name} must be an array of non-empty strings")
    return value


def only(data: dict, allowed: set[str]) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise bad_request(f"Additional properties not allowed: {', '.join(extra)}")


def query_flag(request: Request, name: str) -> bool:
    value = request.query_params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise bad_request(f"{name} must be true or false")
    return value == "true"


def paginate(request: Request, items: list[dict], key: str) -> Any:
    """Auth0's `page`, `per_page` and `include_totals` query parameters."""
    try:
        page = int(request.query_params.get("page", "0"))
        per_page = int(request.query_params.get("per_page", "50"))
    except ValueError:
        raise bad_request("page and per_page must be integers") from None
    if page < 0 or not 1 <= per_page <= 100:
        raise bad_request("page must be >= 0 and per_page between 1 and 100")
    chunk = items[page * per_page : (page + 1) * per_page]
    if query_flag(request, "include_totals"):
        return {"start": page * per_page, "limit": per_page, "total": len(items), key: chunk}
    return chunk
