"""Calling the API: its endpoints (from its OpenAPI document), predictions, and calls."""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from m2m_tui.api.query import Params, encode_query
from m2m_tui.api.redirects import (
    FOLLOWED,
    MAX_HOPS,
    Hop,
    Redirects,
    keeps_authorization,
    location_of,
    next_method,
)
from m2m_tui.api.request_parts import replaced_credentials
from m2m_tui.lazy import lazy_module
from m2m_tui.oauth.dpop import DpopKey, NonceBook, decoded_proof
from m2m_tui.transcript import (
    MASK,
    Exchange,
    closed_without_answer,
    describe_transport_error,
    mask_headers,
)
from oauth_primitives.organizations import organization_of

httpx = lazy_module("httpx")


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
            if any(p.get("in") == "path" for p in op.get("parameters", [])):
                continue  # reached by a link an answer gives (a hop's record), not typed
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


async def load_endpoints(
    base_url: str, client: httpx.AsyncClient, fallback: list[ApiEndpoint]
) -> tuple[list[ApiEndpoint], str]:
    """(endpoints, where they came from): the API's OpenAPI document, else `fallback`
    (the contract the caller knows; this module knows no particular API)."""
    try:
        response = await client.get(base_url.rstrip("/") + "/openapi.json")
        found = endpoints_from_openapi(response.json()) if response.status_code == 200 else []
        if found:
            return found, "openapi.json"
    except (httpx.HTTPError, ValueError, AttributeError, TypeError, KeyError):
        pass
    return list(fallback), "built-in World Mappers table (openapi.json unavailable)"


async def load_metadata(base_url: str, client: httpx.AsyncClient) -> dict:
    """The API's RFC 9728 metadata, or {} when it publishes none."""
    return (await load_metadata_with_age(base_url, client))[0]


async def load_metadata_with_age(
    base_url: str, client: httpx.AsyncClient
) -> tuple[dict, float | None]:
    """The metadata and how long it may be reused (its Cache-Control max-age, if any)."""
    from oauth_primitives.http_cache import max_age

    try:
        response = await client.get(base_url.rstrip("/") + "/.well-known/oauth-protected-resource")
        data = response.json() if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        return {}, None
    age = max_age(response.headers.get("cache-control"))
    return (data, age) if isinstance(data, dict) else ({}, None)


def binding_problem(bound_jkt: str | None, own_jkt: str | None, dpop_required: bool) -> str | None:
    """Why a call with this token would fail on its binding (RFC 9449), else None."""
    if bound_jkt is None:
        return "API requires DPoP; this token is Bearer" if dpop_required else None
    if own_jkt is None:
        return "DPoP-bound; this profile has no key to prove it"
    if own_jkt != bound_jkt:
        return "bound to another key"
    return None


def organization_problem(claims: dict, metadata: dict) -> str | None:
    """What an API that serves organizations (its RFC 9728 metadata says so) will refuse
    about this token's org_id; None when nothing."""
    if metadata.get("organization_required") is not True:
        return None
    served = [o for o in metadata.get("organizations_supported") or [] if isinstance(o, str)]
    shown, taken = organization_of(claims, served)
    if shown is None:
        return "no organization (org_id)"
    name = claims.get("org_name") if isinstance(claims.get("org_name"), str) else shown
    return None if taken else f"organization {name} not served"


def predict(
    endpoint: ApiEndpoint, scopes: list[str], binding: str | None = None
) -> tuple[bool, str]:
    if binding:
        return False, f"✗ {binding}"
    if endpoint.scope is None or endpoint.scope in scopes:
        return True, "✓"
    return False, f"✗ missing {endpoint.scope}"


@dataclass
class ApiCall:
    base_url: str
    endpoint: ApiEndpoint
    # The app's boxes (a dict), or pairs as typed (`call`: a name repeated, a bare name).
    params: Params = field(default_factory=dict)
    # The user's own headers and body (`call --header/--data/--json`, the app's request
    # editor): sent as given; a header of theirs replaces the client's of the same name.
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None

    @property
    def url(self) -> str:
        # Exactly what was asked for: `address=` is a parameter, empty, not none at all
        # (the API answers the two differently), nor a bare `address`. The app leaves out
        # the boxes left empty.
        query = encode_query(self.params)
        return self.base_url.rstrip("/") + self.endpoint.path + (f"?{query}" if query else "")

    def to_curl(self, token: str | None, reveal: bool = False, dpop: DpopKey | None = None) -> str:
        """As curl; with a DPoP key, a freshly made proof for exactly this request."""
        parts = ["curl", "-i"]
        if self.endpoint.method != ("POST" if self.body is not None else "GET"):
            parts += ["-X", self.endpoint.method]
        for name, value in self.shown_headers(token, reveal, dpop).items():
            parts += ["-H", f"{name}: {value}"]
        if self.body is not None:
            parts += ["--data-raw", self.body]  # as is: -d would strip a file's newlines
        parts.append(self.url)
        return " ".join(shlex.quote(p) for p in parts)

    def shown_headers(
        self, token: str | None, reveal: bool, dpop: DpopKey | None = None
    ) -> dict[str, str]:
        """The headers a printed command carries: the token's and the user's own, their
        credentials masked unless revealed."""
        own = self.headers if reveal else mask_headers(self.headers)
        return merged(self.auth_headers(token, reveal, dpop), own)

    def auth_headers(
        self, token: str | None, reveal: bool, dpop: DpopKey | None = None
    ) -> dict[str, str]:
        if not token or replaced_credentials(self.headers):
            return {}  # the user's own Authorization (a pasted token) goes instead
        shown = token if reveal else MASK
        if dpop is None:
            return {"Authorization": f"Bearer {shown}"}
        # The proof is single-use and lives about a minute (RFC 9449 §11.1).
        proof = dpop.proof(self.endpoint.method, self.url, token)
        return {"Authorization": f"DPoP {shown}", "DPoP": proof}


def merged(base: dict[str, str], user: dict[str, str]) -> dict[str, str]:
    """`base` with the user's headers on top; names compared as HTTP does, without case."""
    names = {k.lower() for k in user}
    return {**{k: v for k, v in base.items() if k.lower() not in names}, **user}


@dataclass
class ApiResult:
    exchange: Exchange
    error: str | None = None
    proof: str | None = None  # the DPoP proof sent, as sent (for the diagnosis only)
    # The server ended the connection before any answer (with a client certificate
    # presented, over TLS 1.3: it turned the certificate away).
    closed_early: bool = False
    # The redirects followed before this answer (`follow_redirects`), if any.
    redirects: Redirects | None = None

    @property
    def status(self) -> int | None:
        return self.exchange.status


async def follow_redirects(
    call: ApiCall,
    token: str | None,
    result: ApiResult,
    client: httpx.AsyncClient,
    timeout: float = 10.0,
    dpop: DpopKey | None = None,
    nonces: NonceBook | None = None,
) -> ApiResult:
    """`result`'s redirects followed as a client follows them: the method by RFC 9110
    §15.4, the Authorization header (the user's own too) only while the origin is the
    first request's, at most MAX_HOPS hops. The final answer, with the hops on it; the
    token is never sent to another origin."""
    hops: list[Hop] = []
    url, method, body = call.url, call.endpoint.method, call.body
    carried = bool(token) or replaced_credentials(call.headers)
    stopped = None
    while result.status in FOLLOWED:
        location = location_of(url, result.exchange.response_headers)
        if location is None or not location.startswith(("http://", "https://")):
            stopped = "no_location" if location is None else "not_http"
            break
        if len(hops) == MAX_HOPS:
            stopped = "loop"
            break
        hops.append(Hop(result.status, method, url, location, carried))
        method_now = next_method(result.status, method)
        if method_now != method:
            body = None  # the GET goes without the POST's content
        url, method = location, method_now
        carried = carried and keeps_authorization(call.url, location)
        headers = dict(call.headers)
        if not carried:
            headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        parts = urlsplit(location)
        rest = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        hop = ApiCall(
            f"{parts.scheme}://{parts.netloc}",
            ApiEndpoint(method, rest, call.endpoint.scope, call.endpoint.summary),
            headers=headers,
            body=body,
        )
        sent = token if carried else None
        result = await send(hop, sent, client, timeout, dpop if sent else None, nonces)
    if not hops:
        return result
    result.redirects = Redirects(tuple(hops), url, method, carried, stopped)
    return result


async def send(
    call: ApiCall,
    token: str | None,
    client: httpx.AsyncClient,
    timeout: float = 10.0,
    dpop: DpopKey | None = None,
    nonces: NonceBook | None = None,
) -> ApiResult:
    """The call with `token`: as Bearer, or with a DPoP key as `DPoP` plus a fresh proof
    (RFC 9449 §7), asked once more with the nonce when the API demands one (§9)."""
    if dpop is None or not token:
        return await _send(call, token, client, timeout)
    nonces = nonces if nonces is not None else NonceBook()
    result = await _send(call, token, client, timeout, dpop, nonces.get(call.url))
    nonces.remember(call.url, result.exchange.response_headers)
    if result.status == 401 and "use_dpop_nonce" in _challenge(result) and nonces.get(call.url):
        result = await _send(call, token, client, timeout, dpop, nonces.get(call.url))
        nonces.remember(call.url, result.exchange.response_headers)
    return result


def _challenge(result: ApiResult) -> str:
    return {k.lower(): v for k, v in result.exchange.response_headers.items()}.get(
        "www-authenticate", ""
    )


async def send_as(
    call: ApiCall, token: str, scheme: str, proof: str | None, client, timeout: float
) -> ApiResult:
    """The call exactly as given: the tamper lab's broken proofs and schemes."""
    return await _send(call, token, client, timeout, scheme=scheme, proof=proof)


async def _send(
    call: ApiCall,
    token: str | None,
    client: httpx.AsyncClient,
    timeout: float,
    dpop: DpopKey | None = None,
    nonce: str | None = None,
    scheme: str | None = None,
    proof: str | None = None,
) -> ApiResult:
    headers = {"Accept": "application/json"}
    if replaced_credentials(call.headers):
        token = None  # the user's own Authorization (a pasted token) goes instead
    if token and dpop is not None:
        proof = dpop.proof(call.endpoint.method, call.url, token, nonce)
        scheme = "DPoP"
    if token and scheme == "DPoP":
        headers["Authorization"] = f"DPoP {token}"
        if proof is not None:
            headers["DPoP"] = proof
    elif token:
        headers["Authorization"] = f"Bearer {token}"
    headers = merged(headers, call.headers)
    exchange = Exchange(call.endpoint.method, call.url, mask_headers(headers))
    exchange.request_content = call.body
    if proof is not None:
        exchange.proof = decoded_proof(proof)
    from m2m_tui import stale_connection  # httpx, loaded when first needed

    # A header value outside ASCII (a pasted token with an ellipsis in it) goes as UTF-8
    # bytes, as curl sends it, so that the server's answer to it can be explained.
    wire = {k: v if v.isascii() else v.encode() for k, v in headers.items()}
    started = time.perf_counter()
    try:
        content = call.body.encode() if call.body is not None else None
        response = await stale_connection.send(
            client,
            call.endpoint.method,
            call.url,
            headers=wire,
            content=content,
            timeout=timeout,
        )
    except Exception as exc:  # every transport failure becomes a sentence
        exchange.duration_ms = (time.perf_counter() - started) * 1000
        said = describe_transport_error(exc, call.url, timeout)[1]
        return ApiResult(exchange, said, proof, closed_early=closed_without_answer(exc))
    exchange.duration_ms = (time.perf_counter() - started) * 1000
    exchange.status = response.status_code
    exchange.response_headers = dict(response.headers)
    exchange.response_text = response.text
    return ApiResult(exchange, proof=proof)
