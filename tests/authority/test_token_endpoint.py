"""POST /oauth/token: every row of the error table, the auth methods and the claim profile."""

from __future__ import annotations

import base64
import time

import httpx
import jwt
import pytest

from api_server.settings import ThrottleSettings
from tests.conftest import ADMIN, GIFT, WORLDMAPPERS, repo_settings, start_stack
from tests.helpers.clock import StoppedClock

GRANT = {"grant_type": "client_credentials"}


def oauth_error(response: httpx.Response, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["error_description"], str) and body["error_description"]
    assert response.headers["cache-control"] == "no-store"
    return body["error_description"]


def test_success_returns_bearer_token_with_no_store(shared_stack):
    response = shared_stack.token_response()
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86400
    assert body["scope"] == "directions"


def test_claim_profile_matches_auth0(shared_stack):
    before = int(time.time())
    token = shared_stack.token()
    after = time.time()
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["typ"] == "JWT" and header["kid"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == shared_stack.issuer and claims["iss"].endswith("/")
    assert claims["sub"] == "giftdeliveries@clients"
    assert claims["aud"] == WORLDMAPPERS
    assert claims["azp"] == "giftdeliveries"
    assert claims["gty"] == "client-credentials"
    assert claims["scope"] == "directions"
    assert claims["exp"] - claims["iat"] == 86400
    assert before <= claims["iat"] <= after  # issued during the request
    assert (
        claims["jti"]
        and claims["jti"]
        != jwt.decode(shared_stack.token(), options={"verify_signature": False})["jti"]
    )


def test_form_body_and_client_secret_basic(shared_stack):
    form = httpx.post(
        shared_stack.token_url,
        data={**GRANT, "client_id": GIFT[0], "client_secret": GIFT[1], "audience": WORLDMAPPERS},
    )
    assert form.status_code == 200
    # RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
    basic = httpx.post(
        shared_stack.token_url, data={**GRANT, "audience": WORLDMAPPERS}, auth=(GIFT[0], GIFT[1])
    )
    assert basic.status_code == 200, basic.text


def test_resource_parameter_is_a_synonym_of_audience(shared_stack):
    response = httpx.post(
        shared_stack.token_url,
        data={**GRANT, "client_id": GIFT[0], "client_secret": GIFT[1], "resource": WORLDMAPPERS},
    )
    assert response.status_code == 200
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["aud"] == WORLDMAPPERS


def test_wrong_secret_is_invalid_client(shared_stack):
    response = shared_stack.token_response(client=(GIFT[0], "wrong"))
    oauth_error(response, 401, "invalid_client")
    assert "www-authenticate" not in response.headers


def test_unknown_client_is_invalid_client(shared_stack):
    oauth_error(shared_stack.token_response(client=("nobody", "x")), 401, "invalid_client")


def test_wrong_basic_secret_answers_www_authenticate_basic(shared_stack):
    response = httpx.post(
        shared_stack.token_url, data={**GRANT, "audience": WORLDMAPPERS}, auth=(GIFT[0], "wrong")
    )
    oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")


def test_unknown_audience_is_access_denied(shared_stack):
    text = oauth_error(shared_stack.token_response(audience="urn:nothing"), 403, "access_denied")
    assert text == "Service not enabled within domain: urn:nothing"


def test_no_grant_is_access_denied_with_auth0_wording(shared_stack):
    # Gift Deliveries has no grant for the Management API.
    audience = shared_stack.issuer + "api/v2/"
    text = oauth_error(shared_stack.token_response(audience=audience), 403, "access_denied")
    assert text == (
        f'Client is not authorized to access "{audience}". You need to create a '
        '"client-grant" associated to this API.'
    )


def test_scope_beyond_the_grant_is_invalid_scope(shared_stack):
    text = oauth_error(
        shared_stack.token_response(scope="directions geocode:location"), 400, "invalid_scope"
    )
    assert "geocode:location" in text and "directions" not in text


def test_scope_narrows_to_a_subset_of_the_grant(shared_stack):
    token = shared_stack.token(ADMIN, shared_stack.issuer + "api/v2/", scope="read:clients")
    assert jwt.decode(token, options={"verify_signature": False})["scope"] == "read:clients"


@pytest.mark.parametrize("missing", ["grant_type", "client_id", "audience"])
def test_missing_parameter_is_named(shared_stack, missing):
    body = {**GRANT, "client_id": GIFT[0], "client_secret": GIFT[1], "audience": WORLDMAPPERS}
    del body[missing]
    text = oauth_error(httpx.post(shared_stack.token_url, data=body), 400, "invalid_request")
    assert missing in text


def test_more_than_one_client_auth_method_is_invalid_request(shared_stack):
    response = httpx.post(
        shared_stack.token_url,
        auth=GIFT,
        data={**GRANT, "client_id": GIFT[0], "client_secret": GIFT[1], "audience": WORLDMAPPERS},
    )
    oauth_error(response, 400, "invalid_request")


def test_other_grant_type_is_unsupported(shared_stack):
    response = shared_stack.token_response(grant_type="password")
    assert "password" in oauth_error(response, 400, "unsupported_grant_type")


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("application/json", b"{not json"),
        ("application/json", b"[1, 2]"),
        ("application/json", b'{"grant_type": 5}'),
        ("text/plain", b"grant_type=client_credentials"),
        ("application/x-www-form-urlencoded", b"\xff\xfe"),
        ("application/x-www-form-urlencoded", b"grant_type=a&grant_type=b"),
    ],
)
def test_malformed_body_or_content_type_is_400(shared_stack, content_type, body):
    response = httpx.post(
        shared_stack.token_url, content=body, headers={"content-type": content_type}
    )
    oauth_error(response, 400, "invalid_request")


def test_body_over_64_kib_is_413(shared_stack):
    response = httpx.post(
        shared_stack.token_url,
        content=b"a=" + b"x" * 70_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


def test_failed_authentication_is_throttled_then_recovers(stack):
    # The fixture's throttle: 5 failures within 1 s, on a clock the test moves.
    clock = stack.authority.throttle.clock = StoppedClock()
    for _ in range(5):
        assert stack.token_response(client=(GIFT[0], "wrong")).status_code == 401
    locked = stack.token_response()  # even the right secret waits
    oauth_error(locked, 429, "too_many_attempts")
    assert int(locked.headers["retry-after"]) >= 1
    description = locked.json()["error_description"]
    assert f"client {GIFT[0]}" in description and "127.0.0.1" not in description
    clock.advance(0.9)
    assert stack.token_response().status_code == 429  # still inside the window
    clock.advance(0.2)
    assert stack.token_response().status_code == 200


def test_a_locked_client_does_not_lock_out_other_clients_on_the_same_address(stack):
    stack.authority.throttle.clock = StoppedClock()  # all 5 inside the 1 s window
    for _ in range(5):
        assert stack.token_response(client=(GIFT[0], "wrong")).status_code == 401
    assert stack.token_response(client=GIFT).status_code == 429
    assert stack.token_response(client=ADMIN, audience=stack.issuer + "api/v2/").status_code == 200


def test_a_typo_loop_on_an_unknown_client_id_locks_only_that_id(stack):
    # A stopped clock: all 30 fall inside the 1 s window, however slow the machine.
    stack.authority.throttle.clock = StoppedClock()
    for _ in range(30):  # a script retrying a misspelt client id
        response = stack.token_response(client=("giftdelivereis", "whatever"))
        assert response.status_code in (401, 429)
    assert response.status_code == 429
    assert "giftdelivereis" in response.json()["error_description"]
    assert stack.token_response(client=GIFT).status_code == 200


def test_only_a_sweep_across_many_client_ids_locks_the_whole_address(tmp_path):
    settings = repo_settings(
        throttle=ThrottleSettings(
            max_failures=5, window_seconds=2, address_max_failures=20, address_min_clients=5
        )
    )
    running = start_stack(tmp_path / "state", settings)
    running.authority.throttle.clock = StoppedClock()  # all 25 inside the 2 s window
    try:
        for n in range(4):  # 4 ids x 5 failures: 20 failures, but only 4 ids
            for _ in range(5):
                running.token_response(client=(f"guess-{n}", "x"))
        assert running.token_response(client=GIFT).status_code == 200
        for _ in range(5):  # a fifth id: now a sweep
            running.token_response(client=("guess-4", "x"))
        locked = running.token_response(client=GIFT)
        oauth_error(locked, 429, "too_many_attempts")
        assert "across 5 client ids" in locked.json()["error_description"]
        assert int(locked.headers["retry-after"]) >= 1
    finally:
        running.thread.stop()


def test_basic_credentials_are_form_decoded(stack):
    admin = stack.admin()
    created = admin.post("/clients", json={"name": "Odd chars", "client_id": "odd:id"}).json()
    secret = created["client_secret"]
    admin.post(
        "/client-grants", json={"client_id": "odd:id", "audience": WORLDMAPPERS, "scope": []}
    ).raise_for_status()
    basic = base64.b64encode(f"odd%3Aid:{secret}".encode()).decode()
    response = httpx.post(
        stack.token_url,
        data={**GRANT, "audience": WORLDMAPPERS},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.text


def test_every_token_has_its_own_id(shared_stack):
    ids = {
        jwt.decode(shared_stack.token(), options={"verify_signature": False})["jti"]
        for _ in range(300)  # more than one 4 KiB draw of randomness
    }
    assert len(ids) == 300 and all(len(i) == 22 for i in ids)


def test_other_methods_on_the_token_endpoint_are_refused(shared_stack):
    answer = httpx.get(shared_stack.token_url)
    assert answer.status_code == 405 and answer.json()["error"] == "invalid_request"
