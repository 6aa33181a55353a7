"""Auth0's fine-grained M2M token quotas at the bundled authority: per client and per
organization, per UTC hour and day, enforced or only counted, the tenant's defaults; the
quota headers on every answer they apply to, Auth0's 429 when an enforced one is used up
(told apart from the brute-force throttle's), the Management API's checks, and the
Management API's own tokens never counted."""

from __future__ import annotations

import time

import pytest

from api_server.authority.backup import export_tenant, import_tenant
from oauth_primitives.token_quota import CLIENT_HEADER, ORGANIZATION_HEADER, parse_header
from tests.conftest import ADMIN, GIFT, start_stack, token_response

HOUR = int(time.time()) // 86400 * 86400  # today's UTC midnight: a day's and an hour's start


def at(stack, seconds: float) -> None:
    """The authority's clock stopped at `seconds` past HOUR."""
    stack.authority.clock = lambda: HOUR + seconds


def client_quota(stack, client: str = GIFT[0], **settings) -> None:
    changed = stack.admin().patch(
        f"/clients/{client}", json={"token_quota": {"client_credentials": settings}}
    )
    assert changed.status_code == 200, changed.text


def test_an_enforced_client_quota_issues_then_refuses_in_auth0s_shape(stack):
    client_quota(stack, per_hour=2, per_day=10, enforce=True)
    at(stack, 600)  # ten minutes into the hour
    first = token_response(stack.issuer)
    assert first.status_code == 200, first.text
    assert first.headers[CLIENT_HEADER] == "b=per_hour;q=2;r=1;t=3000,b=per_day;q=10;r=9;t=85800"
    assert ORGANIZATION_HEADER not in first.headers  # no organization named
    second = token_response(stack.issuer)
    assert second.status_code == 200
    assert [b.remaining for b in parse_header(second.headers[CLIENT_HEADER])] == [0, 8]
    refused = token_response(stack.issuer)
    assert refused.status_code == 429
    assert refused.json() == {
        "error": "too_many_requests",
        "error_description": "Client quota exceeded",
        "rule": "client_quota_exceeded",
    }
    assert refused.headers[CLIENT_HEADER] == "b=per_hour;q=2;r=0;t=3000,b=per_day;q=10;r=8;t=85800"
    assert refused.headers["Retry-After"] == "3000"
    assert refused.headers["X-RateLimit-Limit"] == "2"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["X-RateLimit-Reset"] == str(HOUR + 3600)
    # A refused request is not counted; at the top of the next UTC hour the hour starts
    # afresh, the day goes on.
    at(stack, 3600)
    again = token_response(stack.issuer)
    assert again.status_code == 200, again.text
    assert again.headers[CLIENT_HEADER] == "b=per_hour;q=2;r=1;t=3600,b=per_day;q=10;r=7;t=82800"


def test_the_day_refuses_until_utc_midnight_and_says_so(stack):
    client_quota(stack, per_hour=5, per_day=1)
    at(stack, 7200)
    assert token_response(stack.issuer).status_code == 200
    refused = token_response(stack.issuer)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(86400 - 7200)
    assert refused.headers["X-RateLimit-Limit"] == "1"
    assert refused.headers["X-RateLimit-Reset"] == str(HOUR + 86400)
    at(stack, 86400 + 1)
    assert token_response(stack.issuer).status_code == 200


def test_a_quota_not_enforced_is_counted_and_never_refuses(stack):
    client_quota(stack, per_hour=1, enforce=False)
    at(stack, 0)
    answers = [token_response(stack.issuer) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.headers[CLIENT_HEADER] for a in answers] == ["b=per_hour;q=1;r=0;t=3600"] * 3


def test_an_organizations_quota_counts_every_client_that_names_it(org_stack):
    admin = org_stack.admin()
    acme = next(o for o in admin.get("/organizations").json() if o["name"] == "acme")
    changed = admin.patch(
        f"/organizations/{acme['id']}",
        json={"token_quota": {"client_credentials": {"per_day": 1}}},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["token_quota"] == {
        "client_credentials": {"enforce": True, "per_day": 1}  # Auth0's default: enforced
    }
    at(org_stack, 0)
    issued = token_response(org_stack.issuer, organization="acme")
    assert issued.status_code == 200, issued.text
    assert issued.headers[ORGANIZATION_HEADER] == "b=per_day;q=1;r=0;t=86400"
    assert CLIENT_HEADER not in issued.headers  # the client has no quota
    refused = token_response(org_stack.issuer, organization="acme")
    assert refused.status_code == 429
    assert refused.json()["rule"] == "organization_quota_exceeded"
    assert refused.json()["error_description"] == "Organization quota exceeded"
    assert refused.headers[ORGANIZATION_HEADER] == "b=per_day;q=1;r=0;t=86400"
    # Another organization, and no organization, are not acme's quota.
    assert token_response(org_stack.issuer, organization="globex").status_code == 200
    assert token_response(org_stack.issuer).status_code == 200


def test_the_tenants_defaults_apply_unless_a_client_has_its_own(stack):
    admin = stack.admin()
    settings = admin.patch(
        "/tenants/settings",
        json={"default_token_quota": {"clients": {"client_credentials": {"per_hour": 1}}}},
    )
    assert settings.status_code == 200, settings.text
    assert admin.get("/tenants/settings").json() == {
        "default_token_quota": {"clients": {"client_credentials": {"enforce": True, "per_hour": 1}}}
    }
    at(stack, 0)
    assert token_response(stack.issuer).status_code == 200
    assert token_response(stack.issuer).status_code == 429
    # The Management API's own tokens are exempt: the tool that changes quotas back
    # always gets one (m2m-admin falls under the default too).
    for _ in range(3):
        own = token_response(stack.issuer, ADMIN, stack.issuer + "api/v2/")
        assert own.status_code == 200 and CLIENT_HEADER not in own.headers
    client_quota(stack, per_hour=3)  # the client's own replaces the default
    allowed = token_response(stack.issuer)
    assert allowed.status_code == 200
    assert allowed.headers[CLIENT_HEADER] == "b=per_hour;q=3;r=1;t=3600"
    removed = stack.admin().patch("/tenants/settings", json={"default_token_quota": None})
    assert removed.json() == {}  # (a new Management API token: its iat on the moved clock)


def test_the_throttles_429_is_not_a_quotas(stack):
    """Failed authentications: too_many_attempts, the throttle's rule, no quota header."""
    for _ in range(5):
        assert token_response(stack.issuer, (GIFT[0], "wrong")).status_code == 401
    throttled = token_response(stack.issuer)
    assert throttled.status_code == 429
    assert throttled.json()["error"] == "too_many_attempts"
    assert throttled.json()["rule"] == "throttled" and CLIENT_HEADER not in throttled.headers


QUOTA = "token_quota.client_credentials"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"token_quota": {"client_credentials": {"per_hour": 0}}}, "Value 0 is less than minimum"),
        (
            {"token_quota": {"client_credentials": {"per_day": None}}},
            "Expected type integer but found type null",
        ),
        (
            {"token_quota": {"client_credentials": {"per_day": 2147483648}}},
            "Value 2147483648 is greater than maximum 2147483647",
        ),
        (
            {"token_quota": {"client_credentials": {"per_hour": "5"}}},
            f"'Expected type integer but found type string' on property {QUOTA}.per_hour.",
        ),
        (
            {"token_quota": {"client_credentials": {"per_hour": 1.5}}},
            "Expected type integer but found type number",
        ),
        (
            {"token_quota": {"client_credentials": {"enforce": "yes"}}},
            f"'Expected type boolean but found type string' on property {QUOTA}.enforce.",
        ),
        (
            {"token_quota": {"client_credentials": {"per_hour": 5, "per_minute": 1}}},
            f"'Additional properties not allowed: per_minute' on property {QUOTA}.",
        ),
        (
            {"token_quota": {"client_credential": {"per_hour": 5}}},
            "Additional properties not allowed: client_credential' on property token_quota.",
        ),
        ({"token_quota": {}}, "Missing required property: client_credentials"),
        ({"token_quota": {"client_credentials": {}}}, "Too few properties defined (0), minimum 1"),
        ({"token_quota": 5}, "Expected type object but found type integer"),
    ],
)
def test_the_management_api_checks_a_quota_as_auth0s_schema_does(shared_stack, body, says):
    answer = shared_stack.admin().patch(f"/clients/{GIFT[0]}", json=body)
    assert answer.status_code == 400
    assert answer.json()["errorCode"] == "invalid_body"
    assert answer.json()["message"].startswith("Payload validation error: ")
    assert says in answer.json()["message"]


def test_quotas_are_read_back_removed_and_refused_without_the_scope(stack):
    admin = stack.admin()
    client_quota(stack, per_hour=5, enforce=False)
    assert admin.get(f"/clients/{GIFT[0]}").json()["token_quota"] == {
        "client_credentials": {"enforce": False, "per_hour": 5}
    }
    removed = admin.patch(f"/clients/{GIFT[0]}", json={"token_quota": None})
    assert "token_quota" not in removed.json()
    bad = admin.patch("/tenants/settings", json={"default_token_quota": {"apps": {}}})
    assert bad.status_code == 400
    assert "Additional properties not allowed: apps" in bad.json()["message"]
    unknown = admin.patch("/tenants/settings", json={"friendly_name": "x"})
    assert unknown.status_code == 400
    made = admin.post(
        "/organizations",
        json={"name": "acme", "token_quota": {"client_credentials": {"per_hour": 7}}},
    )
    assert made.status_code == 201 and made.json()["token_quota"]["client_credentials"] == {
        "enforce": True,
        "per_hour": 7,
    }
    # A token without read:tenant_settings is refused, in Auth0's words.
    grant = admin.get("/client-grants", params={"client_id": ADMIN[0]}).json()[0]
    kept = [s for s in grant["scope"] if not s.endswith("tenant_settings")]
    admin.patch(f"/client-grants/{grant['id']}", json={"scope": kept})
    narrowed = stack.admin().get("/tenants/settings")
    assert narrowed.status_code == 403
    assert "read:tenant_settings" in narrowed.json()["message"]


def test_quotas_survive_a_restart_and_a_backup(tmp_path):
    first = start_stack(tmp_path / "state")
    admin = first.admin()
    client_quota(first, per_hour=4)
    acme = admin.post(
        "/organizations",
        json={"name": "acme", "token_quota": {"client_credentials": {"per_day": 9}}},
    ).json()
    defaults = {"organizations": {"client_credentials": {"enforce": False, "per_hour": 3}}}
    admin.patch("/tenants/settings", json={"default_token_quota": defaults})
    first.thread.stop()
    backup = tmp_path / "backup.json"
    (tmp_path / "other").mkdir()
    export_tenant(tmp_path / "state" / "tenant.db", backup, None)
    import_tenant(tmp_path / "other" / "tenant.db", backup, None)
    for state in ("state", "other"):
        again = start_stack(tmp_path / state)
        try:
            admin = again.admin()
            assert admin.get(f"/clients/{GIFT[0]}").json()["token_quota"] == {
                "client_credentials": {"enforce": True, "per_hour": 4}
            }
            org = admin.get(f"/organizations/{acme['id']}").json()
            assert org["token_quota"]["client_credentials"]["per_day"] == 9
            assert admin.get("/tenants/settings").json() == {"default_token_quota": defaults}
        finally:
            again.thread.stop()
