"""Preview is what the authority will do: for each dialect, with and without RBAC, an
organization and an Action, the previewed claims are the real token's (but iat, exp and
jti, new in every token); and a tenant that answers in Auth0's leaner shapes (a binding
that names its Action without the code) is read all the same."""

from __future__ import annotations

import httpx
import jwt
import pytest

from m2m_tui.admin.management_api import ManagementClient
from m2m_tui.preview.next_token import differences, preview
from oauth_primitives.token_shape import ClaimOrigin
from tests.conftest import ADMIN, GIFT, WORLDMAPPERS, mint
from tests.helpers.actions import CLAIM, deployed


async def previewed(stack, **options):
    async with httpx.AsyncClient() as client:
        mgmt = ManagementClient(
            stack.issuer, mint(stack.issuer, ADMIN, stack.issuer + "api/v2/"), client
        )
        return await preview(mgmt, stack.issuer, GIFT[0], WORLDMAPPERS, **options)


@pytest.mark.parametrize(
    ("dialect", "rbac"),
    [
        ("access_token", False),
        ("access_token_authz", True),
        ("rfc9068_profile", False),
        ("rfc9068_profile_authz", True),
    ],
)
async def test_the_preview_is_the_token_that_comes(stack, dialect, rbac):
    admin = stack.admin()
    api = next(r for r in admin.get("/resource-servers").json() if r["identifier"] == WORLDMAPPERS)
    admin.patch(
        f"/resource-servers/{api['id']}", json={"token_dialect": dialect, "enforce_policies": rbac}
    )
    deployed(admin, "Tier", CLAIM)
    org = admin.post("/organizations", json={"name": "acme"}).json()
    grant = admin.get("/client-grants", params={"client_id": GIFT[0]}).json()[0]
    admin.patch(f"/client-grants/{grant['id']}", json={"organization_usage": "allow"})
    admin.post(f"/organizations/{org['id']}/client-grants", json={"grant_id": grant["id"]})

    found = await previewed(stack, organization="acme")
    answer = stack.token_response(organization="acme")
    token = answer.json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert differences(found, claims, jwt.get_unverified_header(token)) == {}
    assert str(found.origins["org_id"]) == "the organization named in the request"
    assert found.origins["https://worldmappers.example/tier"] == ClaimOrigin.of_action("Tier")
    assert ("permissions" in found.claims) is rbac
    # A claim the token lacks, or has otherwise, is marked.
    claims.pop("gty")
    claims["scope"] = "geocode:location"
    assert differences(found, claims, {"typ": "JWT"}) | {"typ (header)": "changed"} == {
        "gty": "missing",
        "scope": "changed",
        "typ (header)": "changed",
    }


async def test_an_organization_the_grant_may_not_name_is_a_previewed_refusal(stack):
    admin = stack.admin()
    admin.post("/organizations", json={"name": "globex"})
    grant = admin.get("/client-grants", params={"client_id": GIFT[0]}).json()[0]
    admin.patch(f"/client-grants/{grant['id']}", json={"organization_usage": "allow"})
    found = await previewed(stack, organization="globex")
    assert found.refusal.error == "access_denied" and "globex" in found.refusal_words
    answer = stack.token_response(organization="globex")
    assert answer.json()["rule"] == "organization_not_allowed"


async def test_a_grant_that_is_missing_is_a_previewed_refusal(stack):
    admin = stack.admin()
    grant = admin.get("/client-grants", params={"client_id": GIFT[0]}).json()[0]
    admin.delete(f"/client-grants/{grant['id']}")
    found = await previewed(stack)
    assert found.refusal.error == "access_denied" and not found.issued
    assert stack.token_response().json()["rule"] == "no_client_grant"


class Auth0Shapes:
    """A tenant's Management API as Auth0 answers: bindings name the Action only."""

    def __init__(self, code: str) -> None:
        self.code = code

    async def resource_servers(self):
        return [
            {"identifier": WORLDMAPPERS, "token_lifetime": 7200, "token_dialect": "access_token"}
        ]

    async def grant(self, client_id, audience):
        return {"scope": ["directions"], "organization_usage": "deny"}

    async def bindings(self):
        return [{"id": "b1", "action": {"id": "act_1", "name": "Tier"}}]

    async def request(self, method, path):
        assert (method, path) == ("GET", "/actions/actions/act_1")
        return {
            "id": "act_1",
            "name": "Tier",
            "secrets": [{"name": "KEY"}],
            "deployed_version": {"code": self.code},
        }

    async def client_name(self, client_id):
        return "Gift Deliveries"


async def test_auth0s_bindings_without_code_are_read_through_the_action():
    code = """exports.onExecuteCredentialsExchange = async (event, api) => {
      api.accessToken.setCustomClaim("https://example.com/key", event.secrets.KEY);
      api.accessToken.setCustomClaim("https://example.com/name", event.client.name);
    };"""
    found = await preview(
        Auth0Shapes(code), "https://tenant.example/", "c", WORLDMAPPERS, secrets={"KEY": "k"}
    )
    assert found.claims["https://example.com/key"] == "k"
    assert found.claims["https://example.com/name"] == "Gift Deliveries"
    assert found.claims["exp"] - found.claims["iat"] == 7200
    assert found.notes == []
    unset = await preview(Auth0Shapes(code), "https://tenant.example/", "c", WORLDMAPPERS)
    assert "write-only" in unset.notes[0] and unset.claims["https://example.com/key"] == ""
