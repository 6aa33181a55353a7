"""The Routes API as a Starlette application: `GET /api/routes?from=&to=`, for tokens
obtained by exchange. It judges tokens with the resource server's validator and JWKS
cache under its own policy (its audience, and the actor rules of RFC 8693 §4.1)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from oauth_primitives.rules.access_token import Policy
from oauth_primitives.rules.table import Presented, for_policy, rows, run
from oauth_primitives.token_exchange import read_chain

from ..resource.bearer import BearerError, access_token, refusal
from ..resource.directions import directions
from ..resource.gazetteer import gazetteer
from ..resource.validator import (
    InvalidToken,
    Principal,
    TokenValidator,
    jwks_cache,
    validation_policy,
)
from ..settings import RoutesSettings
from .endpoints import NAME, ROUTES, SCOPE, SCOPE_DESCRIPTION, openapi_document

REALM = "routes"  # RFC 6750 §3: its own protection space, not World Mappers'
METADATA_PATH = "/.well-known/oauth-protected-resource"
# What this request may do with a valid token (binding, certificate, organization,
# scope): Bearer calls only, so never the proof's row.
REQUEST_ROWS = tuple(r for r in rows("binding") if r.name != "proof")


def routes_policy(settings: RoutesSettings, issuer: str) -> Policy:
    return validation_policy(
        settings,
        issuer,
        accepted_actors=tuple(settings.accepted_actors),
        require_actor=settings.require_actor,
    )


class RoutesApi:
    """What the route shares: the validator under this API's policy, and where it lives."""

    def __init__(self, settings: RoutesSettings, issuer: str, base_url: str) -> None:
        self.settings = settings
        self.issuer = issuer
        self.base_url = base_url.rstrip("/")
        self.policy = routes_policy(settings, issuer)
        self.jwks = jwks_cache(settings, issuer)
        self.validator = TokenValidator(self.policy, self.jwks)
        self.request_rows = for_policy(REQUEST_ROWS, self.policy)
        self.metadata_url = self.base_url + METADATA_PATH
        self.loading: asyncio.Future | None = None

    async def authorize(self, request: Request) -> Principal | BearerError:
        scheme, token = access_token(request)
        if scheme != "Bearer":  # no proofs checked here: a DPoP-bound token is refused
            return BearerError(400, "invalid_request", "this API takes Bearer tokens only")
        try:
            judged = await self.validator.validate(token)
        except InvalidToken as exc:
            return BearerError(401, "invalid_token", str(exc), rule=exc.code)
        if not isinstance(judged, Principal):
            return refusal(judged.finding, scheme)
        presented = Presented(token, self.policy, 0.0, scheme, SCOPE)
        presented.claims, presented.scopes = judged.claims, judged.scopes
        found = run(presented, self.request_rows)
        return refusal(found[0], scheme) if found else judged


class _Missing(Exception):
    def __init__(self, status: int, parameter: str, message: str) -> None:
        super().__init__(message)
        self.response = JSONResponse(
            {
                "error": "invalid_request" if status == 400 else "not_found",
                "parameter": parameter,
                "message": message,
            },
            status_code=status,
        )


def _place(request: Request, name: str):
    query = (request.query_params.get(name) or "").strip()
    if not query:
        raise _Missing(400, name, f"the query parameter {name} is required")
    if len(query) > 200:
        raise _Missing(400, name, f"the query parameter {name} is longer than 200 characters")
    place = gazetteer().find(query)
    if place is None:
        raise _Missing(404, name, f"no known place matches {name} {query!r}")
    return place


async def route(request: Request) -> Response:
    api: RoutesApi = request.app.state.api
    try:
        authorized = await api.authorize(request)
    except BearerError as exc:
        return exc.response(api.metadata_url, REALM)
    if isinstance(authorized, BearerError):
        return authorized.response(api.metadata_url, REALM)
    if api.loading is not None:
        await api.loading
    try:
        origin, destination = _place(request, "from"), _place(request, "to")
    except _Missing as exc:
        return exc.response
    return JSONResponse(
        {
            "from": origin.name,
            "to": destination.name,
            "steps": directions(gazetteer(), origin, destination),
            "on_behalf_of": authorized.subject,
            "actors": list(read_chain(authorized.claims).actors),  # the current actor first
        }
    )


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def openapi(request: Request) -> Response:
    api: RoutesApi = request.app.state.api
    return JSONResponse(
        openapi_document(api.base_url, api.issuer + "oauth/token", api.settings.audience)
    )


async def metadata(request: Request) -> Response:
    """RFC 9728, with the actor rules as extensions the diagnosis reads."""
    api: RoutesApi = request.app.state.api
    return JSONResponse(
        {
            "resource": api.settings.audience,
            "resource_name": NAME,
            "authorization_servers": [api.issuer],
            "audience": api.settings.audience,
            "scopes_supported": [SCOPE],
            "scope_descriptions": {SCOPE: SCOPE_DESCRIPTION},
            "bearer_methods_supported": ["header", "query"],
            "access_token_signing_alg_values_supported": list(api.settings.algorithms),
            "rfc9068_required": api.settings.strict_rfc9068,
            "accepted_actors": list(api.settings.accepted_actors),
            "require_actor": api.settings.require_actor,
        },
        headers={"Cache-Control": "public, max-age=60"},
    )


def create_routes_app(
    settings: RoutesSettings, issuer: str, base_url: str, verify: ssl.SSLContext | bool = True
) -> Starlette:
    """The Routes API; `issuer` is reached over HTTP for discovery and keys."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        app.state.api.loading = asyncio.get_running_loop().run_in_executor(None, gazetteer)
        client = httpx.AsyncClient(
            timeout=settings.fetch_timeout, verify=verify, follow_redirects=False
        )
        app.state.api.jwks.client = client
        try:
            yield
        finally:
            await client.aclose()

    app = Starlette(
        routes=[
            Route(ROUTES.path, route, methods=[ROUTES.method]),
            Route("/health", health),
            Route("/openapi.json", openapi),
            Route(METADATA_PATH, metadata),
        ],
        lifespan=lifespan,
    )
    app.state.api = RoutesApi(settings, issuer, base_url)
    return app
