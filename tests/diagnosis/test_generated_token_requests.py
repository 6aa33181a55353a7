"""Proven by generation (#47): token requests built along every axis a refusal comes from
go to the bundled authority, and the diagnosis names the rule the server applied: from
the server's code when it sends one, and, with the code taken away (as any other
provider answers), from its own checks and the Management API; where only the server can
know (a wrong secret, a wrong key), it says the answer does not tell."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings

from api_server.settings import ThrottleSettings
from m2m_tui.diagnosis.token_request.report import ONLY_THE_SERVER_KNOWS, Standing
from m2m_tui.oauth.token_request import request_token
from m2m_tui.session.request_diagnosis import diagnose_refusal
from oauth_primitives.token_refusals import Refusal
from tests.conftest import GIFT, WORLDMAPPERS, repo_settings, start_stack
from tests.helpers.sessions import make_session
from tests.helpers.token_requests import BROKEN, Clients, build, cases, without_code


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder: Path = tmp_path_factory.mktemp("generated-requests")
    # A throttle no run of examples reaches: its 429 is a test of its own.
    settings = repo_settings(throttle=ThrottleSettings(max_failures=10_000, window_seconds=1))
    stack = start_stack(folder / "state", settings)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    admin = stack.admin()
    created = admin.post(
        "/clients",
        json={
            "name": "Key Holder",
            "client_authentication_methods": {
                "private_key_jwt": {
                    "credentials": [
                        {"credential_type": "public_key", "pem": public.decode(), "alg": "RS256"}
                    ]
                }
            },
        },
    )
    created.raise_for_status()
    key_client = created.json()["client_id"]
    admin.post(
        "/client-grants",
        json={"client_id": key_client, "audience": WORLDMAPPERS, "scope": ["directions"]},
    ).raise_for_status()
    hmac = admin.post(
        "/clients", json={"name": "HMAC Signer", "token_endpoint_auth_method": "client_secret_jwt"}
    ).json()
    admin.post(
        "/client-grants",
        json={"client_id": hmac["client_id"], "audience": WORLDMAPPERS, "scope": ["directions"]},
    ).raise_for_status()
    # An API no client holds a grant for.
    admin.post(
        "/resource-servers", json={"name": "Ungranted", "identifier": "urn:ungranted"}
    ).raise_for_status()
    clients = Clients(
        issuer=stack.issuer,
        token_url=stack.token_url,
        secret_client=GIFT,
        key_client=key_client,
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        key_kid=None,
        api=WORLDMAPPERS,
        granted="directions",
        not_granted="geocode:location",
        ungranted_api="urn:ungranted",
        hmac_client=(hmac["client_id"], hmac["client_secret"]),
    )
    session = make_session(folder, stack.issuer, stack.api_url)
    yield clients, session
    stack.thread.stop()


def _diagnosed(session, request, replay: bool = False):
    async def go():
        if replay:  # the first time, taken; the second, its jti was seen
            assert (await request_token(request, timeout=30)).ok
        outcome = await request_token(request, timeout=30)
        told = await diagnose_refusal(session, outcome)
        untold = await diagnose_refusal(session, without_code(outcome))
        return outcome, told, untold

    return asyncio.run(go())


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases(hmac=True))
def test_the_diagnosis_names_the_rule_the_authority_applied(world, case):
    clients, session = world
    request = build(case, clients)
    outcome, told, untold = _diagnosed(session, request, replay=case.broken == "replay")
    expected = BROKEN[case.broken]
    if expected is None:
        assert outcome.ok, outcome.description
        return
    assert not outcome.ok
    rule = Refusal((outcome.response or {}).get("rule"))
    assert rule is expected, (case, outcome.description)
    # With the server's code: named, and the rule book here agrees unless only the
    # server could know.
    assert told.cause is rule and told.told_by == "rule"
    if rule in ONLY_THE_SERVER_KNOWS:
        assert told.standing is Standing.TOLD
    else:
        assert told.standing is Standing.AGREE, (case, told.predicted)
    assert told.fix_text, "every named cause comes with its fix"
    # Without it (another provider's answer): found by the checks and the Management
    # API, or said honestly not to be told.
    if rule in ONLY_THE_SERVER_KNOWS:
        assert untold.cause is None and untold.standing is Standing.UNTOLD
        assert any("does not say which check failed" in n for n in untold.notes)
        if case.odd_secret and case.method == "client_secret_basic":
            assert untold.likely is Refusal.BASIC_ENCODING
    else:
        assert untold.cause is rule, (case, untold.to_json())
        assert untold.standing in (Standing.PREDICTED, Standing.AGREE)
