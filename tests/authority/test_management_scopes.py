"""The Management API's OpenAPI document names, for each operation, the scope its
handler enforces: a token with only that scope is let through, and a token with every
other scope is refused for want of it."""

from __future__ import annotations

import time

import httpx
import pytest

from api_server.authority.management_scopes import MANAGEMENT_SCOPES
from api_server.authority.operations import OPERATIONS
from tests.conftest import signed, start_stack

MANAGED = [o for o in OPERATIONS if o.path.startswith("/api/v2/")]


@pytest.fixture(scope="module")
def tenant(tmp_path_factory):
    """A tenant of this module's own: some calls succeed and change it (a rotation of the
    signing keys takes no body), which the worker's shared tenant must not see."""
    running = start_stack(tmp_path_factory.mktemp("scopes") / "state")
    yield running
    running.thread.stop()


def token(stack, scopes) -> str:
    now = int(time.time())
    return signed(
        stack,
        {
            "iss": stack.issuer,
            "aud": stack.issuer + "api/v2/",
            "sub": "scopes-test@clients",
            "iat": now,
            "exp": now + 300,
            "scope": " ".join(scopes),
        },
    )


@pytest.mark.parametrize("op", MANAGED, ids=lambda o: f"{o.method} {o.path}")
def test_the_documented_scope_is_the_enforced_one(tenant, op):
    (scope,) = op.spec["security"][0]["bearerAuth"]
    assert scope in MANAGEMENT_SCOPES
    url = tenant.issuer.rstrip("/") + op.path.replace("{id}", "no-such-id").replace(
        "{client_id}", "no-such-id"
    )

    def status(scopes) -> int:
        # An empty object: refused as invalid where a body is read, never created.
        kwargs = {"json": {}} if op.method in ("POST", "PATCH", "PUT") else {}
        headers = {"Authorization": f"Bearer {token(tenant, scopes)}"}
        return httpx.request(op.method, url, headers=headers, **kwargs).status_code

    assert status([scope]) != 403
    others = [s for s in MANAGEMENT_SCOPES if s != scope]
    assert status(others) == 403
