"""The World Mappers API as a Starlette application."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import math
import ssl
import time
from collections.abc import Awaitable, Callable

import httpx
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from oauth_primitives.downstream_hop import link_header
from oauth_primitives.rules.access_token import reads_certificate
from oauth_primitives.rules.findings import Code, Finding
from oauth_primitives.rules.proof_table import run_proof
from oauth_primitives.rules.table import Presented, for_policy, rows, run

from ..client_certs import presented as presented_certificate
from ..dpop import (
    BEFORE_SIGNATURE,
    FROM_SIGNATURE,
    Nonces,
    ReplayMemory,
    addressed_url,
)
from ..dpop import presented as presented_proof
from ..settings import ApiSettings
from .bearer import BearerError, access_token, refusal
from .directions import directions
from .documents import openapi_document, protected_resource_metadata
from .downstream import Downstream
from .endpoints import (
    DEFAULT_ORIGIN,
    ENDPOINTS,
    HOPS_PATH,
    OFFICE,
    OFFICE_LAT,
    OFFICE_LNG,
    Endpoint,
)
from .gazetteer import Gazetteer, Place, gazetteer
from .hops import hop_answer
from .introspection import IntrospectingValidator
from .jwks_cache import JwksCache
from .proof_helper import ProofHelper
from .validator import (
    InvalidToken,
    Principal,
    Refused,
    TokenValidator,
    jwks_cache,
    policy_of,
)

PRINCIPAL = "m2m.principal"  # the authorized caller, set by `protected`
log = logging.getLogger("api_server.api")
# The rule table's rows on the request, around the token's (validator.py): the scheme's
# row comes first in the table, and is run first where the token is refused; for a valid
# token it runs with the rest, in one pass. A DPoP request stops before the proof's row,
# as the proof is checked in a helper process.
SCHEME = rows("scheme", "scheme")
BEARER = SCHEME + tuple(r for r in rows("binding") if r.name != "proof")  # it has none
BEFORE_PROOF = SCHEME + rows("binding", "certificate")
AFTER_PROOF = rows("proof")
DPOP_CHALLENGED = frozenset(
    (*AFTER_PROOF[0].codes, Code.DPOP_REQUIRED, Code.DPOP_BOUND_AS_BEARER, Code.NOT_BOUND_AS_DPOP)
)
MAX_VERDICTS = 32  # per remembered token: a client calls a few endpoints, with one certificate
METADATA_PATH = "/.well-known/oauth-protected-resource"
METADATA_MAX_AGE = 60


class BadParameter(Exception):
    def __init__(self, status: int, parameter: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.parameter = parameter
        self.message = message

    def response(self) -> JSONResponse:
        error = "invalid_request" if self.status == 400 else "not_found"
        return JSONResponse(
            {"error": error, "parameter": self.parameter, "message": self.message},
            status_code=self.status,
        )


class WorldMappers:
    """What the routes share: the validator, the places, and where the API lives."""

    def __init__(self, settings: ApiSettings, issuer: str, base_url: str, jwks: JwksCache) -> None:
        self.settings = settings
        self.issuer = issuer
        self.base_url = base_url.rstrip("/")
        self.jwks = jwks
        self.policy = policy_of(settings, issuer)
        # The rows this API's policy leaves something to find, chosen once.
        self.scheme_rows = for_policy(SCHEME, self.policy)
        self.bearer_rows = for_policy(BEARER, self.policy)
        self.before_proof = for_policy(BEFORE_PROOF, self.policy)
        self.after_proof = for_policy(AFTER_PROOF, self.policy)
        self.validator: TokenValidator | IntrospectingValidator
        if settings.validation == "introspection":
            jwt = TokenValidator(self.policy, jwks)
            self.validator = IntrospectingValidator(settings, issuer, jwt)
        else:
            self.validator = TokenValidator(self.policy, jwks)
        self.metadata_url = self.base_url + METADATA_PATH
        # RFC 8705: edge addresses whose client-certificate headers are believed.
        self.trusted_edges: frozenset[str] = frozenset()
        # RFC 9449 §7: the proofs seen (a replay is refused), and nonces when demanded.
        self.dpop_required = settings.dpop == "required"
        self.dpop_replay = ReplayMemory()
        self.dpop_nonces = Nonces() if settings.dpop_nonce else None
        self.proof_helper = ProofHelper(settings.dpop_helper)

    loading: asyncio.Future | None = None  # the gazetteer, while it loads at start-up
    downstream: Downstream | None = None  # directions by the Routes API, else computed here

    async def places_loaded(self) -> None:
        loading = self.loading
        if loading is not None:
            await loading
            self.loading = None

    @property
    def places(self) -> Gazetteer:
        return gazetteer()

    async def authorize(self, request: Request, scope: str) -> Principal | BearerError:
        """The rule table's rows for this request, in its order; the first finding is
        the refusal (returned, built once per remembered token), with its code in the
        body (`rule`) beside the RFC 6750 error."""
        scheme, token = access_token(request)
        principal = self.validator.remembered(token)  # a token sent again: no awaiting
        if principal is None:
            try:
                principal = await self.validator.validate(token)
            except InvalidToken as exc:
                principal = exc
        if not isinstance(principal, Principal):  # the scheme's row comes first
            if self.scheme_rows:
                found = run(Presented(token, self.policy, 0.0, scheme, scope), self.scheme_rows)
                if found:
                    return refusal(found[0], "DPoP")
            if isinstance(principal, InvalidToken):
                return BearerError(
                    401, "invalid_token", str(principal), scheme=scheme, rule=principal.code
                )
            return self.answer(principal, scheme)
        if scheme != "DPoP":
            found = principal.verdicts.get(scope)  # one bound to no certificate's
            if found is None:
                found = self.bearer_verdict(request, token, scope, principal)
        else:  # a fresh proof every time: run through
            thumbprint = self.thumbprint(request, principal.claims)
            presented = self.presented(token, scheme, scope, thumbprint, principal)
            found = run(presented, self.before_proof)
            if not found:
                presented.proof = await self.check_dpop(request, token, principal.claims)
                found = run(presented, self.after_proof)
        if found:
            return self.refuse(found[0], scheme)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "caller sub=%s scope=%s", principal.subject, " ".join(sorted(principal.scopes))
            )
        return principal

    def bearer_verdict(
        self, request: Request, token: str, scope: str, principal: Principal
    ) -> tuple[Finding, ...]:
        """The request rows' findings on a Bearer call with a verified token, remembered
        with the token: by the scope alone when it is bound to no certificate (no row
        reads one then), else by the scope and the certificate presented."""
        thumbprint = self.thumbprint(request, principal.claims)
        key = (scope, thumbprint) if reads_certificate(principal.claims) else scope
        verdicts = principal.verdicts
        found = verdicts.get(key)
        if found is None:
            presented = self.presented(token, "Bearer", scope, thumbprint, principal)
            found = run(presented, self.bearer_rows)
            if len(verdicts) < MAX_VERDICTS:
                verdicts[key] = found
        return found

    def thumbprint(self, request: Request, claims: dict) -> str | None:
        """x5t#S256 of the request's client certificate (RFC 8705 §3), looked for only
        where the rows read it: for a token bound to one."""
        if not reads_certificate(claims):
            return None
        cert = presented_certificate(request.scope, self.trusted_edges)
        return None if cert is None else cert.thumbprint

    def presented(
        self, token: str, scheme: str, scope: str, thumbprint: str | None, principal: Principal
    ) -> Presented:
        """A verified token as the request rows read it."""
        presented = Presented(token, self.policy, 0.0, scheme, scope, thumbprint)
        presented.claims = principal.claims
        presented.scopes = principal.scopes
        return presented

    def answer(self, refused: Refused, scheme: str) -> BearerError:
        """A remembered token's refusal, its answer built once per scheme."""
        answer = refused.answers.get(scheme)
        if answer is None:
            answer = refused.answers[scheme] = refusal(refused.finding, scheme)
        return answer

    def refuse(self, finding: Finding, scheme: str) -> BearerError:
        """The refusal of a request with a valid token: the scheme's, the binding's and
        the proof's challenge DPoP (RFC 9449 §7.1), with a nonce to use where one is
        demanded (§8); the rest, the scheme the token came with."""
        if finding.error == "use_dpop_nonce":
            answer = refusal(finding, "DPoP")
            answer.nonce = self.dpop_nonces.current()
            return answer
        return refusal(finding, "DPoP" if finding.code in DPOP_CHALLENGED else scheme)

    async def check_dpop(self, request: Request, token: str, claims: dict) -> Finding | None:
        """RFC 9449 §7.1: a valid proof for this request and token, by the bound key (the
        proof table's rows); the first finding, else None."""
        url = addressed_url(request.scope, request.headers.get("host"))
        proof = presented_proof(
            request.headers.getlist("dpop"),
            request.method,
            url,
            self.dpop_replay,
            self.dpop_nonces,
            access_token=token,
            claims=claims,
        )
        found = run_proof(proof, BEFORE_SIGNATURE)
        if found:
            return found[0]
        # The signature is checked in the helper process when it is up (proof_helper).
        proof.verified = await self.proof_helper.verify(proof)
        # The wait may be long on a busy machine: the proof's age and the replay
        # memory's horizon are judged as they are now, as the jti is looked up now.
        proof.now, proof.horizon = time.time(), self.dpop_replay.horizon
        found = run_proof(proof, FROM_SIGNATURE)
        return found[0] if found else None


Handler = Callable[[Request, WorldMappers], Awaitable[Response]]


def protected(endpoint: Endpoint, handler: Handler) -> Route:
    """A route guarded by the scope its row in ENDPOINTS names."""

    async def route(request: Request) -> Response:
        api: WorldMappers = request.app.state.api
        # Starlette parses the query once per request and keeps it here; clients repeat
        # the same queries, and the parse was a tenth of a protected request's time.
        # QueryParams is immutable, so one parsed copy can serve every request; were
        # Starlette to rename the attribute, it would simply parse as before.
        raw_query = request.scope["query_string"]
        if len(raw_query) <= 512:  # bounded: 1,024 short queries at most
            request._query_params = _parsed_query(raw_query)
        try:
            authorized = await api.authorize(request, endpoint.scope)
            if isinstance(authorized, BearerError):
                return authorized.response(api.metadata_url)
            # Whose call it is (a hop is theirs alone): in the scope itself, as
            # `request.state` builds an object per request on the good path's every call.
            request.scope[PRINCIPAL] = authorized
            if api.loading is not None:
                await api.places_loaded()
            return await handler(request, api)
        except BearerError as exc:
            return exc.response(api.metadata_url)
        except BadParameter as exc:
            return exc.response()

    return Route(endpoint.path, route, methods=[endpoint.method])


@functools.lru_cache(maxsize=1024)
def _parsed_query(raw: bytes) -> QueryParams:
    return QueryParams(raw)


def _text(request: Request, name: str, default: str | None = None) -> str:
    """The parameter's value; its default only when it is absent. A parameter that is
    present but empty is a mistake to name, never a reason to guess."""
    value = request.query_params.get(name)
    if value is None:
        if default is None:
            raise BadParameter(400, name, f"the query parameter {name} is required")
        return default
    if not value.strip():
        raise BadParameter(400, name, f"the query parameter {name} is empty")
    if len(value) > 200:
        raise BadParameter(400, name, f"the query parameter {name} is longer than 200 characters")
    return value.strip()


def _coordinate(request: Request, name: str, limit: float) -> float:
    raw = _text(request, name)
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter(400, name, f"{name} must be a number, not {raw[:40]!r}") from None
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise BadParameter(400, name, f"{name} must be between -{limit:g} and {limit:g}")
    return value


def _place(api: WorldMappers, request: Request, name: str, default: str) -> tuple[Place, str]:
    query = _text(request, name, default)
    place = api.places.find(query)
    if place is None:
        raise BadParameter(404, name, f"no known place matches {name} {query!r}")
    return place, query


def _state(place: Place) -> dict:
    """`state` is always a place name; where the data knows only the admin-1 code
    (GeoNames has names for US states alone), the code goes under a key that says so."""
    if place.state:
        return {"state": place.state}
    if place.admin1_code:
        return {"admin1_code": place.admin1_code}
    return {}


async def geocode(request: Request, api: WorldMappers) -> Response:
    place, query = _place(api, request, "address", OFFICE)
    return JSONResponse(
        {
            **place.to_json(),
            "country_name": api.places.country_name(place.country),
            "query": query,
        }
    )


async def reverse_geocode(request: Request, api: WorldMappers) -> Response:
    given = [n for n in ("lat", "lng") if n in request.query_params]
    if len(given) == 1:
        missing = "lng" if given == ["lat"] else "lat"
        raise BadParameter(
            400, missing, f"the query parameter {missing} is required when {given[0]} is given"
        )
    if given:
        lat, lng = _coordinate(request, "lat", 90), _coordinate(request, "lng", 180)
    else:
        lat, lng = OFFICE_LAT, OFFICE_LNG
    place, distance = api.places.nearest(lat, lng)
    body = {
        "city": place.name,
        **_state(place),
        "country": place.country,
        "country_name": api.places.country_name(place.country),
        "distance_m": round(distance),
        "lat": place.lat,
        "lng": place.lng,
    }
    if place.street and distance < 250:
        body = {"street": place.street, **body}
    if place.kind == "landmark":
        body["landmark"] = place.name
        body["city"] = {"Auth0 Office": "Bellevue"}.get(place.name, "Seattle")
    return JSONResponse(body)


async def directions_route(request: Request, api: WorldMappers) -> Response:
    destination, to = _place(api, request, "destination", OFFICE)
    origin, start = _place(api, request, "origin", DEFAULT_ORIGIN)
    if api.downstream is not None:  # by the Routes API, on the caller's behalf
        token, caller = access_token(request)[1], request.scope[PRINCIPAL].subject
        status, body, hop_id = await api.downstream.directions(token, caller, start, to)
        # The body stays the sample's array; the hop's record is a link away (hops.py).
        link = {"Link": link_header(HOPS_PATH + hop_id)} if hop_id else None
        return JSONResponse(body, status_code=status, headers=link)
    return Response(_route_json(origin, destination), media_type="application/json")


async def directions_hop(request: Request, api: WorldMappers) -> Response:
    hops = api.downstream.hops if api.downstream is not None else None
    return hop_answer(hops, request.path_params["id"], request.scope[PRINCIPAL].subject)


@functools.lru_cache(maxsize=1024)
def _route_json(origin: Place, destination: Place) -> bytes:
    # Routes between two places never change: compute and serialise each one once.
    return json.dumps(directions(gazetteer(), origin, destination), separators=(",", ":")).encode()


HANDLERS: dict[str, Handler] = {
    "geocode": geocode,
    "reverse_geocode": reverse_geocode,
    "directions": directions_route,
    "directions_hop": directions_hop,
}


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def openapi(request: Request) -> Response:
    api: WorldMappers = request.app.state.api
    return JSONResponse(
        openapi_document(api.base_url, api.issuer + "oauth/token", api.settings.audience)
    )


async def metadata(request: Request) -> Response:
    api: WorldMappers = request.app.state.api
    return JSONResponse(
        protected_resource_metadata(
            api.base_url,
            api.issuer,
            api.settings.audience,
            api.settings.strict_rfc9068,
            api.dpop_required,
            api.settings.validation,
            api.settings.require_organization or bool(api.settings.organizations),
            api.settings.organizations,
            api.settings.algorithms,
            api.settings.mtls == "required",
            api.settings.claim_requirements,
        ),
        # Fixed for the life of the process: clients may reuse it for a minute (the
        # diagnosis of one refusal reads it, and the predictions, and the inspector).
        headers={"Cache-Control": f"public, max-age={METADATA_MAX_AGE}"},
    )


async def http_error(request: Request, exc: HTTPException) -> Response:
    return JSONResponse(
        {
            "error": "not_found" if exc.status_code == 404 else "invalid_request",
            "message": exc.detail,
        },
        status_code=exc.status_code,
        headers=exc.headers,
    )


def create_api_app(
    settings: ApiSettings,
    issuer: str,
    base_url: str,
    verify: ssl.SSLContext | bool = True,
    downstream: tuple[str, str] | None = None,
) -> Starlette:
    """The API; `issuer` is reached over HTTP for discovery and keys, as a real API would.
    `downstream`: (the token endpoint, the Routes API) when directions go by exchange."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        # The gazetteer (~30,000 cities, a few hundred ms) loads on a thread while the
        # server already answers: /health, discovery of the API and token refusals need
        # no places, and a request that does waits for the load (WorldMappers.loaded).
        app.state.api.loading = asyncio.get_running_loop().run_in_executor(None, gazetteer)
        client = httpx.AsyncClient(
            timeout=settings.fetch_timeout, verify=verify, follow_redirects=False
        )
        app.state.api.jwks.client = client
        if app.state.api.downstream is not None:
            app.state.api.downstream.client = client
        if isinstance(app.state.api.validator, IntrospectingValidator):
            app.state.api.validator.client = client
        try:
            yield
        finally:
            await app.state.api.proof_helper.close()
            await client.aclose()

    jwks = jwks_cache(settings, issuer)
    routes = [
        *(protected(e, HANDLERS[e.operation_id]) for e in ENDPOINTS),
        Route("/health", health),
        Route("/openapi.json", openapi),
        Route(METADATA_PATH, metadata),
    ]
    app = Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={HTTPException: http_error}
    )
    app.state.api = WorldMappers(settings, issuer, base_url, jwks)
    if downstream is not None:
        app.state.api.downstream = Downstream(settings, *downstream)
    return app
