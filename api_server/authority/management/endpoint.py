"""What every Management API route shares: bearer-token checks, scopes, bodies, errors."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from oauth_primitives.rules.access_token import scope_finding
from oauth_primitives.rules.findings import Finding

from ..authority import Authority
from ..issued import issued_policy, judge_issued
from ..store.conflicts import AlreadyExists, Unavailable
from .errors import ManagementError, bad_request, conflict

Handler = Callable[[Request, Authority], Awaitable[Response]]
MAX_BODY = 64 * 1024
# Auth0's Management API tokens always carry iat; one without it is not one of ours.
REQUIRED = (("iat", None),)


def _claims(request: Request, authority: Authority) -> dict:
    """The Management API token's claims, by the rule book as the API judges its own
    tokens: this issuer, its algorithms and keys, this audience, the API's leeway."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ManagementError(401, "Missing authentication", "missing_authentication")
    policy = issued_policy(authority, authority.management_audience, REQUIRED)
    judged = judge_issued(authority, token.strip(), policy)
    if isinstance(judged, Finding):  # the rule's code, and the rule book's words for it
        raise ManagementError(judged.status, judged.describe(), judged.error, judged.code)
    return judged


def endpoint(scope: str) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a handler: require a Management API token holding `scope`."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def route(request: Request) -> Response:
            authority: Authority = request.app.state.authority
            try:
                missing = scope_finding(_claims(request, authority), scope)
                if missing is not None:  # in Auth0's words, which clients of Auth0 know
                    raise ManagementError(
                        403,
                        f"Insufficient scope, expected any of: {scope}",
                        missing.error,
                        missing.code,
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


def checkpoint(request: Request, items: list[dict], key: str) -> dict:
    """Auth0's checkpoint paging (`from`, `take`), as its newer lists answer it: always an
    object, `{key: [...], "next": "<from for the next page>"}`, `next` only while more
    remain. The checkpoint here is the next item's position, opaque to a client."""
    try:
        start = int(request.query_params.get("from", "0"))
        take = int(request.query_params.get("take", "50"))
    except ValueError:
        raise bad_request("from must be a checkpoint this API gave, and take an integer") from None
    if start < 0 or not 1 <= take <= 100:
        raise bad_request("from must be a checkpoint this API gave, and take between 1 and 100")
    answer: dict = {key: items[start : start + take]}
    if start + take < len(items):
        answer["next"] = str(start + take)
    return answer
