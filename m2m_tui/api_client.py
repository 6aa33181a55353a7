"""Calling the API: its endpoints (from its OpenAPI document), predictions, and calls."""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx

from m2m_tui.exchange import MASK, Exchange, describe_transport_error


@dataclass(frozen=True)
class ApiParam:
    name: str
    required: bool
    description: str = ""
    example: str = ""
    default: str = ""  # what the API assumes when the parameter is absent

    @property
    def placeholder(self) -> str:
        return f"default: {self.default}" if self.default else self.description[:40]


@dataclass(frozen=True)
class ApiEndpoint:
    method: str
    path: str
    scope: str | None
    summary: str
    params: tuple[ApiParam, ...] = ()


def endpoints_from_openapi(document: dict) -> list[ApiEndpoint]:
    found = []
    for path, item in (document.get("paths") or {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or method.upper() not in (
                "GET",
                "POST",
                "PUT",
                "DELETE",
                "PATCH",
            ):
                continue
            scope = op.get("x-required-scope")
            if scope is None:
                for requirement in op.get("security") or []:
                    for scopes in requirement.values():
                        if scopes:
                            scope = scopes[0]
            if scope is None and op.get("security") == []:
                continue  # unprotected routes (health) are not what one tests tokens on
            params = tuple(
                ApiParam(
                    p["name"],
                    bool(p.get("required")),
                    p.get("description", ""),
                    str(p.get("example", "")),
                    _text((p.get("schema") or {}).get("default")),
                )
                for p in op.get("parameters", [])
                if p.get("in") == "query"
            )
            found.append(ApiEndpoint(method.upper(), path, scope, op.get("summary", ""), params))
    return found


def _text(value: object) -> str:
    return "" if value is None else str(value)


def builtin_endpoints() -> list[ApiEndpoint]:
    """World Mappers' published contract, when the API cannot be asked."""
    from m2m_tui.worldmappers import ENDPOINTS

    return list(ENDPOINTS)


async def load_endpoints(base_url: str, client: httpx.AsyncClient) -> tuple[list[ApiEndpoint], str]:
    """(endpoints, where they came from)."""
    try:
        response = await client.get(base_url.rstrip("/") + "/openapi.json")
        found = endpoints_from_openapi(response.json()) if response.status_code == 200 else []
        if found:
            return found, "openapi.json"
    except (httpx.HTTPError, ValueError, AttributeError, TypeError, KeyError):
        pass
    return builtin_endpoints(), "built-in World Mappers table (openapi.json unavailable)"


def predict(endpoint: ApiEndpoint, scopes: list[str]) -> tuple[bool, str]:
    if endpoint.scope is None or endpoint.scope in scopes:
        return True, "✓"
    return False, f"✗ missing {endpoint.scope}"


@dataclass
class ApiCall:
    base_url: str
    endpoint: ApiEndpoint
    params: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        query = urlencode({k: v for k, v in self.params.items() if v != ""})
        return self.base_url.rstrip("/") + self.endpoint.path + (f"?{query}" if query else "")

    def to_curl(self, token: str | None, reveal: bool = False) -> str:
        parts = ["curl", "-i"]
        if self.endpoint.method != "GET":
            parts += ["-X", self.endpoint.method]
        if token:
            parts += ["-H", f"Authorization: Bearer {token if reveal else MASK}"]
        parts.append(self.url)
        return " ".join(shlex.quote(p) for p in parts)


@dataclass
class ApiResult:
    exchange: Exchange
    error: str | None = None

    @property
    def status(self) -> int | None:
        return self.exchange.status


async def send(
    call: ApiCall, token: str | None, client: httpx.AsyncClient, timeout: float = 10.0
) -> ApiResult:
    headers = {"Accept": "application/json"}
    shown = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
        shown["Authorization"] = f"Bearer {MASK}"
    exchange = Exchange(call.endpoint.method, call.url, shown)
    started = time.perf_counter()
    try:
        response = await client.request(
            call.endpoint.method, call.url, headers=headers, timeout=timeout
        )
    except Exception as exc:  # every transport failure becomes a sentence
        exchange.duration_ms = (time.perf_counter() - started) * 1000
        return ApiResult(exchange, describe_transport_error(exc, call.url, timeout)[1])
    exchange.duration_ms = (time.perf_counter() - started) * 1000
    exchange.status = response.status_code
    exchange.response_headers = dict(response.headers)
    exchange.response_text = response.text
    return ApiResult(exchange)
