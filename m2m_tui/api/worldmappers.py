"""The World Mappers API as the original Auth0 sample published it: three endpoints and
their scopes. The client's own copy of that contract, used when an API offers no
`/openapi.json`; a live API's document always wins (see `api_client.load_endpoints`)."""

from __future__ import annotations

from m2m_tui.api.client import ApiEndpoint, ApiParam

AUDIENCE = "urn:worldmappers"
OFFICE = "Auth0 Office"

ENDPOINTS: tuple[ApiEndpoint, ...] = (
    ApiEndpoint(
        "GET",
        "/api/location/geocode",
        "geocode:location",
        "Geocode a location",
        (ApiParam("address", False, "A landmark or a city", OFFICE, OFFICE),),
    ),
    ApiEndpoint(
        "GET",
        "/api/location/reverse-geocode",
        "reverse-geocode:location",
        "Reverse geocode a location",
        (
            ApiParam("lat", False, "Latitude in degrees", "47.6178819", "47.6178819"),
            ApiParam("lng", False, "Longitude in degrees", "-122.194041", "-122.194041"),
        ),
    ),
    ApiEndpoint(
        "GET",
        "/api/directions",
        "directions",
        "Get directions for a route",
        (
            ApiParam("origin", False, "Where the route starts", "Seattle", "Seattle"),
            ApiParam("destination", False, "Where the route ends", OFFICE, OFFICE),
        ),
    ),
)
