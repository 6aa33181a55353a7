"""The Management API v2 subset: scope enforcement, Auth0-shaped errors, and each resource."""

from __future__ import annotations

import httpx
import jwt
import pytest

from tests.conftest import ADMIN, GIFT, WORLDMAPPERS


def auth0_error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    # Auth0's shape, and the rule book's code (`rule`) when the token was refused.
    assert set(body) - {"rule"} == {"statusCode", "error", "message", "errorCode"}
    assert body["statusCode"] == status
    return body


def test_missing_token_is_401(shared_stack):
    auth0_error(httpx.get(shared_stack.issuer + "api/v2/clients"), 401)


def test_token_for_another_audience_is_401(shared_stack):
    token = shared_stack.token()  # a World Mappers token
    response = httpx.get(
        shared_stack.issuer + "api/v2/clients", headers={"Authorization": f"Bearer {token}"}
    )
    body = auth0_error(response, 401)
    assert body["rule"] == "aud_mismatch" and body["errorCode"] == "invalid_token"
    assert body["message"] == f"unexpected aud claim value: expected {shared_stack.issuer}api/v2/"


def test_garbage_token_is_401(shared_stack):
    response = httpx.get(
        shared_stack.issuer + "api/v2/clients", headers={"Authorization": "Bearer not.a.jwt"}
    )
    assert auth0_error(response, 401)["rule"] == "bad_encoding"


def test_missing_scope_is_403_naming_it(shared_stack):
    token = shared_stack.token(ADMIN, shared_stack.issuer + "api/v2/", scope="read:clients")
    client = httpx.Client(
        base_url=shared_stack.issuer + "api/v2", headers={"Authorization": f"Bearer {token}"}
    )
    assert client.get("/clients").status_code == 200
    body = auth0_error(client.get("/client-grants"), 403)
    assert body["message"] == "Insufficient scope, expected any of: read:client_grants"
    assert body["errorCode"] == "insufficient_scope" and body["rule"] == "scope_missing"
    assert "delete:clients" in auth0_error(client.delete("/clients/giftdeliveries"), 403)["message"]


def test_expired_management_token_is_401(stack):
    admin = stack.admin()
    api = admin.get("/resource-servers").json()[0]
    assert api["is_system"] and api["identifier"] == stack.issuer + "api/v2/"
    # Sign an expired token with the authority's own key: genuine, but too old.
    key = stack.authority.current_key
    expired = key.sign(
        {
            "iss": stack.issuer,
            "aud": stack.issuer + "api/v2/",
            "iat": 1,
            "exp": 2,
            "scope": "read:clients",
            "sub": "m2m-admin@clients",
        },
        {"kid": key.kid},
    )
    response = httpx.get(
        stack.issuer + "api/v2/clients", headers={"Authorization": f"Bearer {expired}"}
    )
    body = auth0_error(response, 401)
    assert body["rule"] == "expired"
    assert body["message"] == "the token has expired (exp is in the past)"


def test_seeded_tenant_matches_the_sample(shared_stack):
    admin = shared_stack.admin()
    apis = {a["identifier"]: a for a in admin.get("/resource-servers").json()}
    wm = apis[WORLDMAPPERS]
    assert wm["name"] == "World Mappers API" and wm["signing_alg"] == "RS256"
    assert wm["scopes"] == [
        {"value": "directions", "description": "Get directions for a route"},
        {"value": "geocode:location", "description": "Geocode a location"},
        {"value": "reverse-geocode:location", "description": "Reverse Geocode a location"},
    ]
    clients = {c["client_id"]: c for c in admin.get("/clients").json()}
    assert clients["giftdeliveries"]["name"] == "Gift Deliveries"
    assert clients["m2m-admin"]["name"] == "World Mappers Admin"
    assert all("client_secret" not in c for c in clients.values())
    grants = admin.get("/client-grants", params={"client_id": "giftdeliveries"}).json()
    assert len(grants) == 1 and grants[0]["id"].startswith("cgr_")
    assert grants[0]["audience"] == WORLDMAPPERS and grants[0]["scope"] == ["directions"]
    mgmt = admin.get(
        "/client-grants",
        params={"client_id": "m2m-admin", "audience": shared_stack.issuer + "api/v2/"},
    ).json()[0]
    # every Management API scope (all_scopes = true), the organizations' included
    from api_server.authority.management_scopes import MANAGEMENT_SCOPES

    assert sorted(mgmt["scope"]) == sorted(MANAGEMENT_SCOPES) and len(mgmt["scope"]) == 34
    assert "create:client_credentials" in mgmt["scope"]  # mutual TLS (issue 36)
    assert "update:actions" in mgmt["scope"]  # Actions (issue 37)
    assert "update:tenant_settings" in mgmt["scope"]  # token quotas (issue 47)
    assert "update:token_exchange_profiles" in mgmt["scope"]  # token exchange (issue 49)
    # The second hop (issue 49): the Routes API, World Mappers' own client and its grant.
    routes = apis["urn:worldmappers:routes"]
    assert routes["name"] == "Routes API"
    assert routes["scopes"] == [
        {"value": "routes:read", "description": "Read a route between two places"}
    ]
    assert clients["world-mappers-api"]["name"] == "World Mappers backend"
    wm_grants = admin.get("/client-grants", params={"client_id": "world-mappers-api"}).json()
    assert [(g["audience"], g["scope"]) for g in wm_grants] == [
        ("urn:worldmappers:routes", ["routes:read"])
    ]


def test_grant_edits_take_effect_on_the_next_token(stack):
    admin = stack.admin()
    grant = admin.get("/client-grants", params={"audience": WORLDMAPPERS}).json()[0]
    patched = admin.patch(
        f"/client-grants/{grant['id']}", json={"scope": ["directions", "reverse-geocode:location"]}
    )
    assert patched.json()["scope"] == ["directions", "reverse-geocode:location"]
    claims = jwt.decode(stack.token(), options={"verify_signature": False})
    assert claims["scope"] == "directions reverse-geocode:location"
    assert admin.delete(f"/client-grants/{grant['id']}").status_code == 204
    assert stack.token_response().status_code == 403
    auth0_error(admin.get(f"/client-grants/{grant['id']}"), 404)


def test_client_grant_validation_and_conflict(stack):
    admin = stack.admin()
    dup = admin.post(
        "/client-grants",
        json={"client_id": "giftdeliveries", "audience": WORLDMAPPERS, "scope": []},
    )
    auth0_error(dup, 409)
    bad_scope = admin.post(
        "/client-grants",
        json={"client_id": "m2m-admin", "audience": WORLDMAPPERS, "scope": ["fly"]},
    )
    assert "fly" in auth0_error(bad_scope, 400)["message"]
    auth0_error(
        admin.post(
            "/client-grants", json={"client_id": "ghost", "audience": WORLDMAPPERS, "scope": []}
        ),
        404,
    )
    auth0_error(
        admin.post(
            "/client-grants", json={"client_id": "m2m-admin", "audience": "urn:none", "scope": []}
        ),
        404,
    )
    auth0_error(admin.post("/client-grants", json={"client_id": "m2m-admin"}), 400)
    auth0_error(
        admin.post(
            "/client-grants", content=b"{oops", headers={"content-type": "application/json"}
        ),
        400,
    )


def test_resource_server_create_and_patch(stack):
    admin = stack.admin()
    created = admin.post(
        "/resource-servers",
        json={
            "name": "Weather",
            "identifier": "urn:weather",
            "scopes": [{"value": "read:forecast", "description": "Read forecasts"}],
        },
    )
    assert created.status_code == 201
    rs_id = created.json()["id"]
    auth0_error(admin.post("/resource-servers", json={"identifier": "urn:weather"}), 409)
    patched = admin.patch(
        f"/resource-servers/{rs_id}",
        json={"token_lifetime": 60, "token_dialect": "rfc9068_profile"},
    )
    assert patched.json()["token_lifetime"] == 60
    # PATCH semantics: scopes untouched.
    assert patched.json()["scopes"] == [{"value": "read:forecast", "description": "Read forecasts"}]
    auth0_error(admin.patch(f"/resource-servers/{rs_id}", json={"token_dialect": "x"}), 400)
    admin.post(
        "/client-grants",
        json={"client_id": "giftdeliveries", "audience": "urn:weather", "scope": ["read:forecast"]},
    ).raise_for_status()
    token = stack.token(audience="urn:weather")
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["typ"] == "at+jwt"
    assert claims["client_id"] == "giftdeliveries" and "azp" not in claims
    assert claims["exp"] - claims["iat"] == 60


def test_client_create_secret_shown_once_rotate_and_delete(stack):
    admin = stack.admin()
    created = admin.post("/clients", json={"name": "Route Planner"})
    assert created.status_code == 201
    client_id, secret = created.json()["client_id"], created.json()["client_secret"]
    assert len(secret) >= 40
    assert "client_secret" not in admin.get(f"/clients/{client_id}").json()
    admin.post(
        "/client-grants",
        json={"client_id": client_id, "audience": WORLDMAPPERS, "scope": ["geocode:location"]},
    ).raise_for_status()
    assert stack.token_response(client=(client_id, secret)).status_code == 200
    rotated = admin.post(f"/clients/{client_id}/rotate-secret").json()["client_secret"]
    assert stack.token_response(client=(client_id, secret)).status_code == 401
    assert stack.token_response(client=(client_id, rotated)).status_code == 200
    renamed = admin.patch(f"/clients/{client_id}", json={"name": "Planner"}).json()
    assert renamed["name"] == "Planner"
    assert admin.delete(f"/clients/{client_id}").status_code == 204
    auth0_error(admin.get(f"/clients/{client_id}"), 404)
    assert admin.get("/client-grants", params={"client_id": client_id}).json() == []


@pytest.mark.parametrize("path", ["/clients", "/client-grants", "/resource-servers"])
def test_pagination_with_totals(shared_stack, path):
    body = shared_stack.admin().get(path, params={"include_totals": "true", "per_page": 1}).json()
    assert body["limit"] == 1 and body["total"] >= 2
    assert len(body[path.strip("/").replace("-", "_")]) == 1


def test_unknown_route_is_json_404(shared_stack):
    response = httpx.get(shared_stack.issuer + "nothing/here")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_gift_deliveries_cannot_use_the_management_api(shared_stack):
    assert shared_stack.token_response(GIFT, shared_stack.issuer + "api/v2/").status_code == 403


def test_a_refused_edit_leaves_the_next_token_untouched(stack):
    """The token endpoint keeps look-ups in memory; a PATCH that fails half-way must not
    leak its half into them."""
    admin = stack.admin()
    rs = admin.get("/resource-servers/urn:worldmappers").json()
    refused = admin.patch(
        f"/resource-servers/{rs['id']}", json={"token_lifetime": 60, "token_dialect": "nonsense"}
    )
    auth0_error(refused, 400)
    claims = jwt.decode(stack.token(), options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 86400
    # A successful edit is seen by the very next token.
    admin.patch(f"/resource-servers/{rs['id']}", json={"token_lifetime": 120})
    claims = jwt.decode(stack.token(), options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 120


def test_a_key_may_be_registered_for_every_algorithm_a_client_assertion_may_use(stack):
    """One list (CLIENT_ASSERTION) for the keys registered and the assertions they sign:
    the client signs ES512 with a P-521 key, so the tenant registers one for ES512."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from oauth_primitives.rules.closed_sets import CLIENT_ASSERTION

    pem = (
        ec.generate_private_key(ec.SECP521R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    admin = stack.admin()
    path = "/clients/giftdeliveries/credentials"
    key = {"credential_type": "public_key", "pem": pem}
    assert admin.post(path, json={**key, "alg": "ES512"}).status_code == 201
    refused = auth0_error(admin.post(path, json={**key, "alg": "HS256"}), 400)
    assert refused["message"].endswith("alg must be one of " + ", ".join(CLIENT_ASSERTION))
