"""The diagnosis of a token request refused for a token quota: the cause is the quota
(the bundled authority's code, or at Auth0 its quota header, since Auth0 sends no code),
the answer shows the quota header, and the fix is the quota's hint: which quota, when it
resets, reuse tokens rather than new credentials."""

from __future__ import annotations

import json
import time

import httpx

from m2m_tui.diagnosis.token_request.report import diagnose_request
from m2m_tui.oauth.token_request import TokenRequest, request_token
from oauth_primitives.rules.closed_sets import AuthMethod
from oauth_primitives.token_refusals import Refusal
from tests.conftest import run_cli
from tests.helpers.sessions import write_config


def test_token_and_diagnose_name_the_used_up_quota(tmp_path, stack):
    now = time.time()
    stack.authority.clock = lambda: now  # no UTC hour may end during the test
    quota = {"token_quota": {"client_credentials": {"per_hour": 1}}}
    assert stack.admin().patch("/clients/giftdeliveries", json=quota).status_code == 200
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    assert run_cli(tmp_path, "token", "--no-cache").returncode == 0
    refused = run_cli(tmp_path, "token", "--no-cache")
    assert refused.returncode == 1
    assert "Cause: client_quota_exceeded (the server's rule" in refused.stderr
    assert "auth0-client-quota-limit" in refused.stderr and "r=0" in refused.stderr
    found = run_cli(tmp_path, "diagnose", "--token-request", "--json")
    assert found.returncode == 1, found.stderr
    body = json.loads(found.stdout)
    assert (body["cause"], body["told_by"]) == ("client_quota_exceeded", "rule")
    assert body["answer"]["headers"]["auth0-client-quota-limit"].startswith("b=per_hour;q=1;r=0;")
    assert body["fix"].startswith("Client quota used up: client giftdeliveries may get 1 token")
    assert "reuse tokens, not new credentials" in body["fix"]


async def test_at_auth0_the_quota_header_tells_the_cause():
    answer = httpx.Response(
        429,
        json={"error": "too_many_requests", "error_description": "Organization quota exceeded"},
        headers={
            "Auth0-Organization-Quota-Limit": "b=per_hour;q=50;r=0;t=600",
            "Retry-After": "600",
        },
    )
    form = {
        "grant_type": "client_credentials",
        "client_id": "c1",
        "client_secret": "s",
        "organization": "acme",
    }
    request = TokenRequest(
        "https://tenant.example.com/oauth/token",
        form,
        client_id="c1",
        auth_method=AuthMethod.CLIENT_SECRET_POST,
    )
    transport = httpx.MockTransport(lambda _: answer)
    async with httpx.AsyncClient(transport=transport) as client:
        outcome = await request_token(request, client)
    found = diagnose_request(outcome, {})
    assert (found.cause, found.told_by) == (Refusal.ORGANIZATION_QUOTA_EXCEEDED, "headers")
    assert found.fix_text.startswith(
        "Organization quota used up: organization acme may get 50 tokens per hour"
    )
    assert "resets in 10 m" in found.fix_text
