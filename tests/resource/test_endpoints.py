"""World Mappers' endpoints: real places, real routes, clear errors, self-description."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from api_server.resource.endpoints import ENDPOINTS
from tests.conftest import ADMIN, WORLDMAPPERS, Stack, start_stack


@pytest.fixture(scope="module")
def wide_stack(tmp_path_factory) -> Iterator[Stack]:
    """A tenant of this module's own, where the admin client holds all three World Mappers
    scopes: the grant is a change the worker's read-only `shared_stack` must not see."""
    running = start_stack(tmp_path_factory.mktemp("endpoints") / "state")
    running.admin().post(
        "/client-grants",
        json={
            "client_id": "m2m-admin",
            "audience": WORLDMAPPERS,
            "scope": ["directions", "geocode:location", "reverse-geocode:location"],
        },
    ).raise_for_status()
    yield running
    running.thread.stop()


@pytest.fixture
def all_scopes(wide_stack) -> str:
    """A token of `wide_stack` holding all three World Mappers scopes."""
    return wide_stack.token(ADMIN, WORLDMAPPERS)


def test_the_original_sample_call_works_with_only_directions(shared_stack):
    token = shared_stack.token()  # Gift Deliveries: directions only
    response = httpx.get(
        shared_stack.api_url + "/api/directions?destination=Auth0%20Office",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    steps = response.json()
    assert isinstance(steps, list) and len(steps) >= 2
    assert all({"step", "action", "distance_m", "heading_deg"} <= set(s) for s in steps)
    assert "Seattle" in steps[0]["action"]  # the documented default origin
    assert "10900 NE 8th Street" in steps[-1]["action"]


def test_geocode_the_auth0_office(wide_stack, all_scopes):
    body = wide_stack.call("/api/location/geocode", all_scopes, address="Auth0 Office").json()
    assert (body["lat"], body["lng"]) == (47.6178819, -122.194041)
    assert body["street"] == "10900 NE 8th Street" and body["state"] == "Washington"


@pytest.mark.parametrize(
    "address, country, lat",
    [
        ("Paris", "FR", 48.85),
        ("Paris, Texas", "US", 33.66),
        ("Zürich", "CH", 47.37),
        ("portland, or", "US", 45.52),
        ("Tokyo", "JP", 35.69),
    ],
)
def test_geocode_real_places(wide_stack, all_scopes, address, country, lat):
    body = wide_stack.call("/api/location/geocode", all_scopes, address=address).json()
    assert body["country"] == country and abs(body["lat"] - lat) < 0.1


def test_reverse_geocode_nearest_known_place(wide_stack, all_scopes):
    office = wide_stack.call(
        "/api/location/reverse-geocode", all_scopes, lat="47.6178819", lng="-122.194041"
    ).json()
    assert office["street"] == "10900 NE 8th Street"
    assert office["city"] == "Bellevue" and office["state"] == "Washington"
    assert office["country"] == "US"
    sydney = wide_stack.call(
        "/api/location/reverse-geocode", all_scopes, lat="-33.87", lng="151.21"
    ).json()
    assert sydney["country"] == "AU" and "street" not in sydney
    assert sydney["distance_m"] < 20_000


def test_directions_between_two_cities(wide_stack, all_scopes):
    steps = wide_stack.call(
        "/api/directions", all_scopes, origin="Paris, France", destination="Berlin"
    ).json()
    total = sum(s["distance_m"] for s in steps)
    assert 870_000 < total < 890_000  # the geodesic Paris–Berlin is about 878 km
    assert steps[0]["heading"] == "north-east"
    assert steps[-1]["action"].startswith("Arrive at Berlin")


@pytest.mark.parametrize(
    "path, params, parameter",
    [
        ("/api/location/geocode", {"address": ""}, "address"),
        ("/api/location/geocode", {"address": "  "}, "address"),
        ("/api/location/reverse-geocode", {"lng": "1"}, "lat"),
        ("/api/location/reverse-geocode", {"lat": "north", "lng": "1"}, "lat"),
        ("/api/location/reverse-geocode", {"lat": "91", "lng": "1"}, "lat"),
        ("/api/location/reverse-geocode", {"lat": "1", "lng": "nan"}, "lng"),
        ("/api/location/reverse-geocode", {"lat": "1", "lng": "-181"}, "lng"),
        ("/api/location/reverse-geocode", {"lat": "abc", "lng": "1"}, "lat"),
        ("/api/location/reverse-geocode", {"lat": "200", "lng": "1"}, "lat"),
        ("/api/location/reverse-geocode", {"lat": "47.6"}, "lng"),
        ("/api/directions", {"destination": ""}, "destination"),
        ("/api/directions", {"destination": "Seattle", "origin": ""}, "origin"),
        ("/api/directions", {"destination": "x" * 500}, "destination"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    wide_stack, all_scopes, path, params, parameter
):
    response = wide_stack.call(path, all_scopes, **params)
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter and parameter in response.json()["message"]


# The original sample's API ignored its query: these exact answers are what clients
# written for it read.
def test_geocode_without_parameters_answers_the_office_as_the_original(wide_stack, all_scopes):
    response = wide_stack.call("/api/location/geocode", all_scopes)
    assert response.status_code == 200
    body = response.json()
    assert (body["lat"], body["lng"]) == (47.6178819, -122.194041)
    assert body["name"] == "Auth0 Office"


def test_reverse_geocode_without_parameters_answers_the_office_address(wide_stack, all_scopes):
    response = wide_stack.call("/api/location/reverse-geocode", all_scopes)
    assert response.status_code == 200
    body = response.json()
    assert body["street"] == "10900 NE 8th Street"
    assert body["city"] == "Bellevue" and body["state"] == "Washington"


def test_directions_without_parameters_go_from_the_default_origin_to_the_office(
    wide_stack, all_scopes
):
    response = wide_stack.call("/api/directions", all_scopes)
    assert response.status_code == 200
    steps = response.json()
    assert all({"step", "action"} <= set(s) for s in steps)
    assert "Seattle" in steps[0]["action"] and "Auth0 Office" in steps[-1]["action"]


def test_openapi_states_each_default(shared_stack):
    doc = httpx.get(shared_stack.api_url + "/openapi.json").json()
    defaults = {
        (path, p["name"]): p["schema"].get("default")
        for path, item in doc["paths"].items()
        for op in item.values()
        for p in op.get("parameters", [])
    }
    assert defaults[("/api/location/geocode", "address")] == "Auth0 Office"
    assert defaults[("/api/location/reverse-geocode", "lat")] == 47.6178819
    assert defaults[("/api/location/reverse-geocode", "lng")] == -122.194041
    assert defaults[("/api/directions", "destination")] == "Auth0 Office"
    assert defaults[("/api/directions", "origin")] == "Seattle"


@pytest.mark.parametrize(
    "path, params",
    [
        ("/api/location/geocode", {"address": "Paris"}),
        ("/api/location/reverse-geocode", {"lat": "48.8566", "lng": "2.3522"}),
        ("/api/location/geocode", {"address": "Tokyo"}),
        ("/api/location/reverse-geocode", {"lat": "-33.87", "lng": "151.21"}),
    ],
)
def test_state_is_a_name_or_absent_never_a_code(wide_stack, all_scopes, path, params):
    body = wide_stack.call(path, all_scopes, **params).json()
    # GeoNames has admin-1 names for US states only: elsewhere the code is labelled as one.
    assert "state" not in body
    assert body["admin1_code"] and body["admin1_code"].isalnum()


def test_us_places_keep_their_state_name(wide_stack, all_scopes):
    body = wide_stack.call("/api/location/geocode", all_scopes, address="Portland, OR").json()
    assert body["state"] == "Oregon" and "admin1_code" not in body


@pytest.mark.parametrize(
    "path, params, parameter",
    [
        ("/api/location/geocode", {"address": "Xyzzyville"}, "address"),
        ("/api/directions", {"destination": "Xyzzyville"}, "destination"),
        ("/api/directions", {"destination": "Seattle", "origin": "Qwertopolis"}, "origin"),
        ("/api/location/geocode", {"address": "Paris, Narnia"}, "address"),
    ],
)
def test_unknown_places_are_404(wide_stack, all_scopes, path, params, parameter):
    response = wide_stack.call(path, all_scopes, **params)
    assert response.status_code == 404 and response.json()["parameter"] == parameter


def test_health_needs_no_token(shared_stack):
    assert httpx.get(shared_stack.api_url + "/health").json() == {"status": "ok"}


def test_openapi_document_names_each_operations_scope(shared_stack):
    doc = httpx.get(shared_stack.api_url + "/openapi.json").json()
    assert doc["openapi"] == "3.1.0"
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schemes["oauth2"]["flows"]["clientCredentials"]["tokenUrl"] == shared_stack.token_url
    for endpoint in ENDPOINTS:
        op = doc["paths"][endpoint.path]["get"]
        assert op["x-required-scope"] == endpoint.scope
        assert {"oauth2": [endpoint.scope]} in op["security"]
        names = [p["name"] for p in op["parameters"]]
        assert names == [p.name for p in endpoint.params]


def test_protected_resource_metadata(shared_stack):
    doc = httpx.get(shared_stack.api_url + "/.well-known/oauth-protected-resource").json()
    assert doc["resource"] == shared_stack.api_url
    assert doc["authorization_servers"] == [shared_stack.issuer]
    assert set(doc["scopes_supported"]) == {
        "directions",
        "geocode:location",
        "reverse-geocode:location",
    }
    assert doc["bearer_methods_supported"] == ["header", "query"]
    assert doc["resource_name"] == "World Mappers API"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.operation_id)
def test_each_route_enforces_exactly_the_scope_its_row_names(stack, endpoint):
    """The table is the truth: a token with only that scope passes; every other scope fails."""
    admin = stack.admin()
    grant = admin.get("/client-grants", params={"client_id": "giftdeliveries"}).json()[0]
    params = {p.name: str(p.example) for p in endpoint.params if p.example is not None}
    # A hop's record: the scope is checked before the id, which names none here (404).
    passed = 404 if "{" in endpoint.path else 200
    for scope in ("directions", "geocode:location", "reverse-geocode:location"):
        admin.patch(f"/client-grants/{grant['id']}", json={"scope": [scope]}).raise_for_status()
        response = stack.call(endpoint.path, stack.token(), **params)
        assert response.status_code == (passed if scope == endpoint.scope else 403)


def test_unknown_route_is_json_404(shared_stack):
    response = httpx.get(shared_stack.api_url + "/api/teleport")
    assert response.status_code == 404 and response.json()["message"]
