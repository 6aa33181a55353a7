"""The one table that says what each World Mappers endpoint is and which scope it needs.

The route handlers, the OpenAPI document, the RFC 9728 metadata and the TUI (through
`/openapi.json`) all read it; change a scope here and every one of them follows.
"""

from __future__ import annotations

from dataclasses import dataclass

from oauth_primitives.downstream_hop import REL

DEFAULT_ORIGIN = "Seattle"  # where deliveries start when `origin` is not given
# The original sample's API ignored its query and always answered about the Auth0 Office;
# a call without parameters still does, so clients written for it keep working.
OFFICE = "Auth0 Office"
OFFICE_LAT, OFFICE_LNG = 47.6178819, -122.194041
HOPS_PATH = "/api/directions/hops/"  # where directions' downstream hops are kept (hops.py)


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    required: bool = False
    kind: str = "string"  # JSON Schema type
    example: str | float | None = None
    default: str | float | None = None  # what an absent parameter means
    where: str = "query"  # OpenAPI's `in`: "path" for a part of the path ({name})


@dataclass(frozen=True)
class Endpoint:
    operation_id: str
    method: str
    path: str
    scope: str
    summary: str
    params: tuple[Param, ...]
    returns: str
    not_found: str | None = "Unknown place"  # what its 404 means, if it has one
    # Headers of its 200 answer worth describing (name, description).
    answer_headers: tuple[tuple[str, str], ...] = ()


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        operation_id="geocode",
        method="GET",
        path="/api/location/geocode",
        scope="geocode:location",
        summary="Geocode a location: a place name or a landmark to coordinates",
        params=(
            Param(
                "address",
                'A landmark ("Auth0 Office"), a street address of a landmark, or a city, '
                'optionally followed by a state or country ("Paris, France")',
                example="Auth0 Office",
                default=OFFICE,
            ),
        ),
        returns="object",
    ),
    Endpoint(
        operation_id="reverse_geocode",
        method="GET",
        path="/api/location/reverse-geocode",
        scope="reverse-geocode:location",
        summary="Reverse geocode a location: coordinates to the nearest known place",
        params=(
            Param(
                "lat",
                "Latitude in degrees, -90 to 90; give lat and lng together, or neither",
                kind="number",
                example=OFFICE_LAT,
                default=OFFICE_LAT,
            ),
            Param(
                "lng",
                "Longitude in degrees, -180 to 180; give lat and lng together, or neither",
                kind="number",
                example=OFFICE_LNG,
                default=OFFICE_LNG,
            ),
        ),
        returns="object",
        not_found=None,
    ),
    Endpoint(
        operation_id="directions",
        method="GET",
        path="/api/directions",
        scope="directions",
        summary="Get directions for a route: steps along the geodesic between two places",
        params=(
            Param(
                "origin",
                "Where the route starts (a landmark or a city)",
                example="Seattle",
                default=DEFAULT_ORIGIN,
            ),
            Param(
                "destination",
                "Where the route ends (a landmark or a city)",
                example="Auth0 Office",
                default=OFFICE,
            ),
        ),
        returns="array",
        answer_headers=(
            (
                "Link",
                "Where directions went by the Routes API (token exchange, RFC 8693): the "
                f'record of that hop, `<{HOPS_PATH}{{id}}>; rel="{REL}"` (RFC 8288)',
            ),
        ),
    ),
    Endpoint(
        operation_id="directions_hop",
        method="GET",
        path=HOPS_PATH + "{id}",
        scope="directions",
        summary="The downstream hop behind a directions answer: the exchange and the "
        "Routes API's answer, for the same caller, for 5 minutes",
        params=(
            Param(
                "id",
                "The id in the directions answer's Link header",
                required=True,
                where="path",
            ),
        ),
        returns="object",
        not_found="No such hop for this caller: never made, expired, or another's",
    ),
)

SCOPES: tuple[str, ...] = tuple(sorted({e.scope for e in ENDPOINTS}))
