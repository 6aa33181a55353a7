"""Token exchange profiles through the Management API (Auth0's shape, with m2m-tui's
policy fields): the seeded one, create, read, change, delete, what a body may say, the
scopes each route needs, and the token endpoint obeying each change at once."""

from __future__ import annotations

import httpx
import jwt

from oauth_primitives.token_exchange import GRANT_TYPE, TokenType
from tests.conftest import _http, signed

ACCESS = TokenType.ACCESS_TOKEN.value
ROUTES = "urn:worldmappers:routes"
WMAPI = ("world-mappers-api", "world-mappers-api-local-secret")


def exchange(stack, audience: str, **extra) -> httpx.Response:
    body = {
        "grant_type": GRANT_TYPE,
        "client_id": WMAPI[0],
        "client_secret": WMAPI[1],
        "subject_token": stack.token(),
        "subject_token_type": ACCESS,
        "audience": audience,
        **extra,
    }
    return _http().post(stack.token_url, data=body)


def test_the_seeded_profile_is_listed_in_auth0s_shape(shared_stack):
    (profile,) = (
        shared_stack.admin().get("/token-exchange-profiles").json()["token_exchange_profiles"]
    )
    assert profile["id"].startswith("tep_")
    assert profile["name"] == "World Mappers to Routes API"
    assert profile["subject_token_type"] == ACCESS
    assert profile["type"] == "custom_authentication"
    assert profile["client_ids"] == ["world-mappers-api"]
    assert profile["audiences"] == [ROUTES]
    assert profile["scope_map"] == {"routes:read": ["directions"]}
    assert profile["trusted_issuers"] == []
    assert profile["created_at"].endswith("Z") and "action_id" not in profile


def test_create_read_change_delete_and_the_endpoint_follows(stack):
    admin = stack.admin()
    # World Mappers may not exchange for its own API yet.
    assert exchange(stack, "urn:worldmappers").json()["rule"] == "exchange_audience_not_allowed"
    admin.post(
        "/client-grants",
        json={"client_id": WMAPI[0], "audience": "urn:worldmappers", "scope": ["geocode:location"]},
    ).raise_for_status()
    created = admin.post(
        "/token-exchange-profiles",
        json={
            "name": "World Mappers to itself",
            "subject_token_type": ACCESS,
            "client_ids": [WMAPI[0]],
            "audiences": ["urn:worldmappers"],
            "scope_map": {"geocode:location": ["directions"]},
        },
    )
    assert created.status_code == 201, created.text
    profile = created.json()
    assert admin.get(f"/token-exchange-profiles/{profile['id']}").json() == profile
    assert len(admin.get("/token-exchange-profiles").json()["token_exchange_profiles"]) == 2
    response = exchange(stack, "urn:worldmappers")
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "geocode:location"

    # The mapping removed: geocode:location is no longer carried (scopes never widen).
    changed = admin.patch(f"/token-exchange-profiles/{profile['id']}", json={"scope_map": {}})
    assert changed.status_code == 200 and changed.json()["scope_map"] == {}
    assert changed.json()["updated_at"] >= profile["updated_at"]
    widened = exchange(stack, "urn:worldmappers", scope="geocode:location").json()
    assert widened["rule"] == "exchange_scope_widened"

    assert admin.delete(f"/token-exchange-profiles/{profile['id']}").status_code == 204
    assert admin.get(f"/token-exchange-profiles/{profile['id']}").status_code == 404
    assert admin.delete(f"/token-exchange-profiles/{profile['id']}").status_code == 404
    assert exchange(stack, "urn:worldmappers").json()["rule"] == "exchange_audience_not_allowed"

    # The client taken out of the seeded profile: it may exchange nothing at all.
    (seeded,) = admin.get("/token-exchange-profiles").json()["token_exchange_profiles"]
    admin.patch(f"/token-exchange-profiles/{seeded['id']}", json={"client_ids": []})
    refused = exchange(stack, ROUTES)
    assert (refused.json()["error"], refused.json()["rule"]) == (
        "unauthorized_client",
        "exchange_not_allowed",
    )


def test_a_body_naming_what_does_not_exist_is_refused(stack):
    admin = stack.admin()
    base = {"name": "Profile p", "subject_token_type": ACCESS}
    for extra, words in (
        ({"client_ids": ["nobody"]}, "nobody"),
        ({"audiences": ["urn:nowhere"]}, "urn:nowhere"),
        ({"action_id": "act_nothing"}, "act_nothing"),
        ({"subject_token_type": TokenType.SAML2.value}, "subject_token_type"),
        ({"scope_map": {"a": "b"}}, "scope_map"),
        ({"trusted_issuers": [{"issuer": "https://x.example/"}]}, "trusted_issuers"),
        ({"colour": "blue"}, "colour"),
    ):
        response = admin.post("/token-exchange-profiles", json={**base, **extra})
        assert response.status_code == 400, extra
        assert words in response.json()["message"]
    missing = admin.post("/token-exchange-profiles", json={"name": "Profile p"})
    assert "subject_token_type" in missing.json()["message"]
    admin.post("/token-exchange-profiles", json=base).raise_for_status()
    taken = admin.post("/token-exchange-profiles", json=base)
    assert taken.status_code == 409 and "named Profile p" in taken.json()["message"]


def test_each_route_needs_its_scope(shared_stack):
    import time

    now = int(time.time())
    claims = {
        "iss": shared_stack.issuer,
        "aud": shared_stack.issuer + "api/v2/",
        "sub": "reader@clients",
        "iat": now,
        "exp": now + 300,
        "scope": "read:token_exchange_profiles",
    }
    headers = {"Authorization": f"Bearer {signed(shared_stack, claims)}"}
    url = shared_stack.issuer + "api/v2/token-exchange-profiles"
    assert httpx.get(url, headers=headers).status_code == 200
    refused = httpx.post(
        url, headers=headers, json={"name": "Profile x", "subject_token_type": ACCESS}
    )
    assert refused.status_code == 403
    assert "create:token_exchange_profiles" in refused.json()["message"]


def test_the_admin_client_holds_the_new_scopes(shared_stack):
    """The seeded admin grant (all_scopes) includes them; so do older tenants' grants
    (seed's _add_new_management_scopes)."""
    admin = shared_stack.admin()
    grants = admin.get("/client-grants", params={"client_id": "m2m-admin"}).json()
    scopes = set(grants[0]["scope"])
    for verb in ("read", "create", "update", "delete"):
        assert f"{verb}:token_exchange_profiles" in scopes


def test_the_openapi_document_lists_the_routes(shared_stack):
    doc = httpx.get(shared_stack.issuer + "openapi.json").json()
    paths = doc["paths"]
    assert set(paths["/api/v2/token-exchange-profiles"]) == {"get", "post"}
    assert set(paths["/api/v2/token-exchange-profiles/{id}"]) == {"get", "patch", "delete"}
    token = paths["/oauth/token"]["post"]["requestBody"]["content"]
    schema = token["application/x-www-form-urlencoded"]["schema"]
    assert GRANT_TYPE in schema["properties"]["grant_type"]["enum"]
    assert "subject_token" in schema["properties"]


DENY = """exports.onExecuteCredentialsExchange = async (event, api) => {
  api.access.deny("invalid_request", "no routes for " + event.client.client_id);
};"""


def test_the_profiles_action_runs_on_the_exchange(stack):
    """Auth0's action_id: the profile's Action (bound to no trigger) adds its claims to
    the exchanged token, or denies the exchange."""
    from tests.helpers.actions import CLAIM, deployed

    admin = stack.admin()
    (seeded,) = admin.get("/token-exchange-profiles").json()["token_exchange_profiles"]
    tier = deployed(admin, "tier", CLAIM, bind=False)
    admin.patch(f"/token-exchange-profiles/{seeded['id']}", json={"action_id": tier["id"]})
    response = exchange(stack, ROUTES)
    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["https://worldmappers.example/tier"] == "gold"
    assert claims["act"] == {"sub": "world-mappers-api@clients"}
    # Bound to no trigger: a client_credentials token does not run it.
    plain = jwt.decode(stack.token(), options={"verify_signature": False})
    assert "https://worldmappers.example/tier" not in plain

    deny = deployed(admin, "deny-routes", DENY, bind=False)
    admin.patch(f"/token-exchange-profiles/{seeded['id']}", json={"action_id": deny["id"]})
    refused = exchange(stack, ROUTES)
    assert refused.status_code == 400
    body = refused.json()
    assert (body["rule"], body["action"]) == ("action_denied", "deny-routes")
    assert body["error_description"] == "no routes for world-mappers-api"


def test_auth0s_patch_changes_name_and_subject_token_type_never_type(stack):
    """Auth0 PATCHes name and subject_token_type (its `auth0 token-exchange update -n -s`);
    type stays as created; a name is 3 to 50 characters."""
    admin = stack.admin()
    made = admin.post(
        "/token-exchange-profiles", json={"name": "JWT exchange", "subject_token_type": ACCESS}
    ).json()
    jwt_type = TokenType.JWT.value
    changed = admin.patch(
        f"/token-exchange-profiles/{made['id']}",
        json={"name": "JWT exchanges", "subject_token_type": jwt_type},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["subject_token_type"]) == (
        "JWT exchanges",
        jwt_type,
    )
    fixed = admin.patch(f"/token-exchange-profiles/{made['id']}", json={"type": "other"})
    assert fixed.status_code == 400 and "type" in fixed.json()["message"]
    for name in ("ab", "n" * 51):
        refused = admin.post(
            "/token-exchange-profiles", json={"name": name, "subject_token_type": ACCESS}
        )
        assert refused.status_code == 400 and "3 to 50" in refused.json()["message"]


def test_the_list_pages_as_auth0s_does_from_and_take_with_next(stack, monkeypatch):
    """Auth0 answers its token exchange profiles as `{token_exchange_profiles, next}` and pages
    them by checkpoint (`from`, `take`); m2m-tui's client follows `next` to the end."""
    import asyncio

    from m2m_tui.admin import management_api
    from m2m_tui.admin.management_api import ManagementClient

    admin = stack.admin()
    for n in range(4):
        made = admin.post(
            "/token-exchange-profiles", json={"name": f"Paged {n}", "subject_token_type": ACCESS}
        )
        made.raise_for_status()
    first = admin.get("/token-exchange-profiles", params={"take": 2}).json()
    assert len(first["token_exchange_profiles"]) == 2 and first["next"]
    rest = admin.get("/token-exchange-profiles", params={"take": 10, "from": first["next"]})
    assert "next" not in rest.json()  # the last page says no more
    names = [p["name"] for p in first["token_exchange_profiles"]]
    names += [p["name"] for p in rest.json()["token_exchange_profiles"]]
    assert len(names) == 5 and len(set(names)) == 5  # the seeded one and the four, once each
    assert admin.get("/token-exchange-profiles", params={"take": 0}).status_code == 400
    assert admin.get("/token-exchange-profiles", params={"from": "x"}).status_code == 400

    async def listed() -> list[str]:
        token = admin.headers["Authorization"].split()[1]
        async with httpx.AsyncClient() as http:
            client = ManagementClient(stack.issuer, token, http)
            return [p["name"] for p in await client.token_exchange_profiles()]

    monkeypatch.setattr(management_api, "PAGE_TAKE", 2)  # three pages, followed by `next`
    assert sorted(asyncio.run(listed())) == sorted(names)
