"""The client reads Auth0's token quota headers once per answer, and a token request
refused for a quota gets a hint that names the quota (the client's or the
organization's, per hour or per day), when it resets, and that the fix is reusing
tokens: against the bundled authority (its `rule`), against Auth0's own shape (no code,
only the headers), and never for the brute-force throttle's 429."""

from __future__ import annotations

import time

import httpx
import pytest

from m2m_tui.config.profile import Profile
from m2m_tui.oauth.token_request import TokenRequest, request_token
from oauth_primitives.token_quota import Bucket, QuotaEntity
from tests.conftest import GIFT, WORLDMAPPERS


def gift(issuer: str, **fields) -> TokenRequest:
    profile = Profile(
        name="gift", issuer=issuer, client_id=GIFT[0], audience=WORLDMAPPERS, **fields
    )
    return TokenRequest.for_profile(profile, GIFT[1])


def frozen(stack) -> None:
    """The authority's clock stopped now: no UTC hour or day may end during the test."""
    now = time.time()
    stack.authority.clock = lambda: now


async def test_a_client_over_its_quota_is_told_which_when_and_to_cache(stack):
    frozen(stack)
    admin = stack.admin()
    quota = {"client_credentials": {"per_hour": 1, "per_day": 100}}
    assert admin.patch(f"/clients/{GIFT[0]}", json={"token_quota": quota}).status_code == 200
    issued = await request_token(gift(stack.issuer))
    assert issued.ok and issued.quota is not None
    hour, day = issued.quota.limits[QuotaEntity.CLIENT]
    assert (hour.bucket, hour.quota, hour.remaining) == (Bucket.PER_HOUR, 1, 0)
    assert (day.bucket, day.used) == (Bucket.PER_DAY, 1)
    assert issued.quota.left(QuotaEntity.CLIENT, issued.quota.at)[0].startswith(
        "1 of 1 used this hour, resets in "
    )
    refused = await request_token(gift(stack.issuer))
    assert not refused.ok
    assert (refused.error, refused.description) == ("too_many_requests", "Client quota exceeded")
    hint = refused.hint
    assert hint.startswith("Client quota used up: client giftdeliveries may get 1 token per hour")
    assert "It resets in " in hint and " UTC." in hint
    assert "reuse tokens, not new credentials" in hint and "not --no-cache" in hint
    assert "`m2m-tui quota set giftdeliveries --per-hour N`" in hint
    assert "throttles" not in hint  # not the brute-force throttle's words


async def test_an_organization_over_its_quota_is_named(org_stack):
    frozen(org_stack)
    admin = org_stack.admin()
    acme = next(o for o in admin.get("/organizations").json() if o["name"] == "acme")
    quota = {"client_credentials": {"per_day": 1}}
    admin.patch(f"/organizations/{acme['id']}", json={"token_quota": quota})
    assert (await request_token(gift(org_stack.issuer, organization="acme"))).ok
    refused = await request_token(gift(org_stack.issuer, organization="acme"))
    assert refused.error == "too_many_requests"
    assert refused.hint.startswith(
        "Organization quota used up: organization acme may get 1 token per day, from every "
        "client that names it"
    )
    assert "`m2m-tui quota set --org acme --per-day N`" in refused.hint


# Auth0's own answer (docs: fine-grained M2M token quotas, "Error responses"): no code,
# the used-up quota's header, Retry-After.
AUTH0_429 = httpx.Response(
    429,
    json={"error": "too_many_requests", "error_description": "Client quota exceeded"},
    headers={
        "Auth0-Client-Quota-Limit": "b=per_hour;q=10;r=4;t=1200,b=per_day;q=50;r=0;t=43200",
        "Retry-After": "43200",
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "0",
    },
)
THROTTLED = httpx.Response(
    429,
    json={"error": "too_many_attempts", "error_description": "Too many failed attempts"},
    headers={"Retry-After": "30"},
)


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (AUTH0_429, "Client quota used up: client c1 may get 50 tokens per day"),
        (THROTTLED, "The server throttles client c1 for 30 s after repeated failed attempts"),
    ],
)
async def test_at_auth0_the_headers_alone_tell_a_quota_from_the_throttle(answer, says):
    request = TokenRequest(
        "https://tenant.example.com/oauth/token",
        {"grant_type": "client_credentials", "client_id": "c1", "client_secret": "s"},
        client_id="c1",
    )
    transport = httpx.MockTransport(lambda _: answer)
    async with httpx.AsyncClient(transport=transport) as client:
        outcome = await request_token(request, client)
    assert outcome.hint.startswith(says), outcome.hint
    if answer is AUTH0_429:
        assert "resets in 12 h" in outcome.hint  # the day's, not the hour's


def test_the_use_is_told_as_of_its_answer_and_a_window_that_reset_since_says_so():
    from m2m_tui.oauth.token_quota import read_quota

    header = {"auth0-client-quota-limit": "b=per_hour;q=5;r=2;t=60,b=per_day;q=50;r=40;t=7200"}
    report = read_quota(header, "c1", at=1000.0)
    assert report.left(QuotaEntity.CLIENT, now=1030.0) == [
        "3 of 5 used this hour, resets in 30 s",
        "10 of 50 used today, resets in 1 h 59 m",
    ]
    assert report.left(QuotaEntity.CLIENT, now=1100.0)[0] == (
        "3 of 5 used this hour, the hour has reset since"
    )
    assert read_quota({"content-type": "application/json"}, "c1") is None
