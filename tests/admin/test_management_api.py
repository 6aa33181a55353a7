"""The Management API client against responses shaped as Auth0's documentation shows them,
including a 429 rate limit that must be waited out."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from m2m_tui.admin.management_api import ManagementClient, ManagementError
from tests.conftest import serve_app

# From Auth0's Management API v2 reference (GET /api/v2/client-grants, PATCH responses).
AUTH0_GRANT = {
    "id": "cgr_4pI9a42haOLLWnwq",
    "client_id": "W4kZm2XHaPK0ZAKBOr3CvpGVhDbyn7OB",
    "audience": "urn:worldmappers",
    "scope": ["directions"],
    "organization_usage": "deny",
    "allow_any_organization": False,
    "is_system": False,
}
OTHER_GRANT = {  # another client's grant on the same API, listed first
    **AUTH0_GRANT,
    "id": "cgr_otherClientGrant0",
    "client_id": "OtherClientIdOtherClientIdOther0",
    "scope": ["directions", "geocode:location", "reverse-geocode:location"],
}
AUTH0_403 = {
    "statusCode": 403,
    "error": "Forbidden",
    "message": "Insufficient scope, expected any of: update:client_grants",
    "errorCode": "insufficient_scope",
}


@pytest.fixture(scope="module")
def fake_tenant():
    # `limits`: how many of the next grant look-ups answer 429 (a test arms it itself).
    state = {"hits": 0, "limits": 0, "patched": None}

    def refused(request: Request) -> JSONResponse | None:
        """Auth0's answer to a request without the tenant's token (its 401 shape)."""
        if request.headers.get("authorization") != "Bearer token":
            return JSONResponse(
                {
                    "statusCode": 401,
                    "error": "Unauthorized",
                    "message": "Invalid token",
                    "attributes": {"error": "Invalid token"},
                },
                status_code=401,
            )
        return None

    async def grants(request: Request):
        if (no := refused(request)) is not None:
            return no
        state["hits"] += 1
        if state["limits"] > 0:  # Auth0's rate limit, as often as the test asked
            state["limits"] -= 1
            return JSONResponse(
                {
                    "statusCode": 429,
                    "error": "Too Many Requests",
                    "message": "Global limit has been reached",
                    "errorCode": "too_many_requests",
                },
                status_code=429,
                headers={"Retry-After": "1"},
            )
        # Filtered as Auth0 filters (client_id, audience): a client that forgets the
        # filters gets another client's grant first, and the test sees it.
        query = request.query_params
        return JSONResponse(
            [
                g
                for g in (OTHER_GRANT, AUTH0_GRANT)
                if all(query.get(k, g[k]) == g[k] for k in ("client_id", "audience"))
            ]
        )

    async def patch(request: Request):
        if (no := refused(request)) is not None:
            return no
        body = await request.json()
        # Auth0 validates the payload against the grant's schema: unknown members and a
        # scope that is not a list of strings are a 400.
        extra = sorted(set(body) - {"scope", "organization_usage", "allow_any_organization"})
        scope = body.get("scope")
        if extra or not isinstance(scope, list) or not all(isinstance(x, str) for x in scope):
            why = f"Additional properties not allowed: {', '.join(extra)}" if extra else "scope"
            return JSONResponse(
                {
                    "statusCode": 400,
                    "error": "Bad Request",
                    "message": f"Payload validation error: '{why}'.",
                    "errorCode": "invalid_body",
                },
                status_code=400,
            )
        if body["scope"] == ["forbidden"]:
            return JSONResponse(AUTH0_403, status_code=403)
        state["patched"] = body
        return JSONResponse({**AUTH0_GRANT, "scope": body["scope"]})

    app = Starlette(
        routes=[
            Route("/api/v2/client-grants", grants),
            Route("/api/v2/client-grants/{id}", patch, methods=["PATCH"]),
        ]
    )
    url, thread = serve_app(app)
    yield url, state
    thread.stop()


async def test_rate_limit_is_waited_out_and_shown(fake_tenant):
    url, state = fake_tenant
    state["limits"], state["patched"] = 1, None  # whatever the module's other tests did
    hits = state["hits"]
    waits = []
    async with httpx.AsyncClient() as client:
        mgmt = ManagementClient(url, "token", client, on_wait=waits.append)
        grant = await mgmt.grant(AUTH0_GRANT["client_id"], "urn:worldmappers")
        assert grant["id"] == "cgr_4pI9a42haOLLWnwq"
        assert waits == [1.0]
        assert state["hits"] - hits == 2 and state["limits"] == 0  # refused, then asked again
        # PATCH semantics: only `scope` is sent, merged with what the grant held.
        updated = await mgmt.add_scopes(
            AUTH0_GRANT["client_id"], "urn:worldmappers", ["geocode:location"]
        )
        assert state["patched"] == {"scope": ["directions", "geocode:location"]}
        assert updated["scope"] == ["directions", "geocode:location"]


async def test_auth0_error_message_is_kept(fake_tenant):
    url, _ = fake_tenant
    async with httpx.AsyncClient() as client:
        mgmt = ManagementClient(url, "token", client)
        with pytest.raises(ManagementError) as info:
            await mgmt.set_grant_scope("cgr_4pI9a42haOLLWnwq", ["forbidden"])
    assert info.value.status == 403 and info.value.code == "insufficient_scope"
    assert info.value.message == "Insufficient scope, expected any of: update:client_grants"


async def test_the_bundled_authority_answers_each_client_its_own_grant(stack):
    """The real thing, where it can answer: the tenant holds grants for several clients
    on World Mappers, and each lookup finds that client's alone."""
    from tests.conftest import ADMIN, mint

    admin = stack.admin()
    robot = admin.post("/clients", json={"name": "Second Robot"}).json()["client_id"]
    admin.post(
        "/client-grants",
        json={"client_id": robot, "audience": "urn:worldmappers", "scope": ["directions"]},
    ).raise_for_status()
    token = mint(stack.issuer, ADMIN, stack.issuer + "api/v2/")
    async with httpx.AsyncClient() as client:
        mgmt = ManagementClient(stack.issuer, token, client)
        every = await mgmt.grants(None, "urn:worldmappers")
        assert len({g["client_id"] for g in every}) >= 2  # more than one client to tell apart
        for grant in every:
            found = await mgmt.grant(grant["client_id"], "urn:worldmappers")
            assert found["id"] == grant["id"] and found["client_id"] == grant["client_id"]
        assert await mgmt.grant("no-such-client", "urn:worldmappers") is None


async def test_a_token_the_tenant_does_not_accept_is_refused_as_auth0_refuses_it(fake_tenant):
    url, _ = fake_tenant
    async with httpx.AsyncClient() as client:
        mgmt = ManagementClient(url, "expired-token", client)
        with pytest.raises(ManagementError) as info:
            await mgmt.set_grant_scope("cgr_4pI9a42haOLLWnwq", ["directions"])
    assert info.value.status == 401 and info.value.message == "Invalid token"
