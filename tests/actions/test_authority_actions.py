"""Credentials-exchange Actions at the bundled authority, as Auth0 runs them: created,
deployed and bound through the Management API in Auth0's shapes, run in Node.js before
each token is signed. Each rule cites the Auth0 page it follows:
- API object (deny codes, setCustomClaim):
  https://auth0.com/docs/customize/actions/explore-triggers/machine-to-machine-trigger/credentials-exchange-api-object
- custom claims (restricted names, collisions leave the claim out, 100 KB):
  https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims
- limits (20 s per flow, 100 kB of code, 20 bound):
  https://auth0.com/docs/customize/actions/limitations"""

from __future__ import annotations

import jwt
import pytest

from tests.conftest import ADMIN, GIFT
from tests.helpers.actions import CLAIM, deployed

DENY = """exports.onExecuteCredentialsExchange = async (event, api) => {
  if (event.client.client_id === "giftdeliveries") {
    api.access.deny("invalid_request", "Gift Deliveries is paused for the holidays");
  }
};"""


def claims(answer) -> dict:
    assert answer.status_code == 200, answer.text
    return jwt.decode(answer.json()["access_token"], options={"verify_signature": False})


def test_a_bound_action_adds_its_claims_and_sees_auth0s_event(stack):
    admin = stack.admin()
    deployed(admin, "Add tier", CLAIM, secrets=[{"name": "TIER_KEY", "value": "s3cr3t"}])
    token = claims(stack.token_response())
    assert token["https://worldmappers.example/tier"] == "gold"
    assert token["https://worldmappers.example/seen"] == {
        "client": "giftdeliveries",
        "audience": "urn:worldmappers",
        "scope": ["directions"],
        "secret_set": True,
        "secret_in_body": False,  # credentials never reach an Action
    }
    # The secret's value is write-only, as at Auth0.
    listed = admin.get("/actions/actions").json()["actions"][0]
    assert listed["secrets"][0]["name"] == "TIER_KEY" and "value" not in listed["secrets"][0]
    assert "s3cr3t" not in admin.get("/actions/actions").text


def test_a_draft_changes_nothing_until_it_is_deployed(stack):
    admin = stack.admin()
    action = deployed(admin, "Add tier", CLAIM)
    edited = admin.patch(
        f"/actions/actions/{action['id']}", json={"code": CLAIM.replace('"gold"', '"silver"')}
    )
    assert edited.status_code == 200 and edited.json()["all_changes_deployed"] is False
    assert claims(stack.token_response())["https://worldmappers.example/tier"] == "gold"
    assert admin.post(f"/actions/actions/{action['id']}/deploy").json()["number"] == 2
    assert claims(stack.token_response())["https://worldmappers.example/tier"] == "silver"
    # Unbound: the token is as it was without Actions.
    assert (
        admin.patch(
            "/actions/triggers/credentials-exchange/bindings", json={"bindings": []}
        ).status_code
        == 200
    )
    assert "https://worldmappers.example/tier" not in claims(stack.token_response())


def test_deny_refuses_the_token_request_with_the_actions_code_and_reason(stack):
    admin = stack.admin()
    deployed(admin, "Holiday pause", DENY)
    refused = stack.token_response()
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_request"
    assert refused.json()["error_description"] == "Gift Deliveries is paused for the holidays"
    assert refused.json()["rule"] == "action_denied"
    # Another client is not denied by this Action.
    assert (
        stack.token_response(
            client=ADMIN,
            audience=stack.issuer + "api/v2/",
        ).status_code
        == 200
    )


@pytest.mark.parametrize(("code", "status"), [("invalid_scope", 400), ("server_error", 500)])
def test_every_allowed_deny_code_and_no_other(stack, code, status):
    admin = stack.admin()
    deployed(admin, "Deny", DENY.replace("invalid_request", code))
    refused = stack.token_response()
    assert (refused.status_code, refused.json()["error"]) == (status, code)


def test_a_deny_code_auth0_does_not_allow_fails_the_action(stack):
    admin = stack.admin()
    deployed(admin, "Deny", DENY.replace("invalid_request", "access_denied"))
    refused = stack.token_response()
    assert refused.status_code == 500 and refused.json()["error"] == "server_error"
    assert "invalid_scope, invalid_request, server_error" in refused.json()["error_description"]
    assert refused.json()["rule"] == "action_failed"


def test_restricted_and_colliding_claims_are_left_out_and_the_token_is_issued(stack):
    admin = stack.admin()
    code = """exports.onExecuteCredentialsExchange = async (event, api) => {
      api.accessToken.setCustomClaim("permissions", ["everything"]);
      api.accessToken.setCustomClaim("https://auth0.com/claim", 1);
      api.accessToken.setCustomClaim("scope", "geocode:location");
      api.accessToken.setCustomClaim("tier", "gold");
    };"""
    deployed(admin, "Bold", code)
    token = claims(stack.token_response())
    assert "permissions" not in token and "https://auth0.com/claim" not in token
    assert token["scope"] == "directions"
    assert token["tier"] == "gold"  # non-namespaced claims are allowed since 2022


def test_an_action_that_throws_or_outlives_the_flow_fails_the_request(stack):
    admin = stack.admin()
    deployed(
        admin,
        "Thrower",
        "exports.onExecuteCredentialsExchange = async () => { throw new Error('lookup failed'); };",
    )
    failed = stack.token_response()
    assert failed.status_code == 500 and failed.json()["error"] == "server_error"
    assert "Action Thrower failed: Error: lookup failed" in failed.json()["error_description"]
    assert failed.json()["rule"] == "action_failed"
    admin.patch("/actions/triggers/credentials-exchange/bindings", json={"bindings": []})
    stack.authority.action_time_limit = 1.0  # Auth0's is 20 s; the test does not wait it out
    deployed(
        admin, "Spinner", "exports.onExecuteCredentialsExchange = async () => { while (true) {} };"
    )
    slow = stack.token_response()
    assert slow.status_code == 500 and "did not finish within the flow's 1 s" in slow.text
    assert slow.json()["rule"] == "action_timed_out"  # its own code, not action_failed
    admin.patch("/actions/triggers/credentials-exchange/bindings", json={"bindings": []})
    deployed(admin, "Waiter", "exports.onExecuteCredentialsExchange = () => new Promise(() => {});")
    assert "did not finish" in stack.token_response().text


def test_custom_claims_over_100_kb_refuse_the_token_with_their_own_code(stack):
    admin = stack.admin()
    code = """exports.onExecuteCredentialsExchange = async (event, api) => {
      api.accessToken.setCustomClaim("big", "x".repeat(110 * 1024));
    };"""
    deployed(admin, "Big", code)
    refused = stack.token_response()
    assert (refused.status_code, refused.json()["rule"]) == (500, "claims_too_large")
    assert "100 KB" in refused.json()["error_description"]


def test_actions_run_in_order_in_contexts_of_their_own(stack):
    admin = stack.admin()
    deployed(
        admin,
        "First",
        "globalThis.leak = 1;\n"
        "exports.onExecuteCredentialsExchange = async (e, api) => {\n"
        "  api.accessToken.setCustomClaim('order', ['first']);\n"
        "};",
    )
    deployed(
        admin,
        "Second",
        "exports.onExecuteCredentialsExchange = async (e, api) => {\n"
        "  api.accessToken.setCustomClaim('order', ['second', typeof leak,\n"
        "    typeof process, typeof require('crypto').randomUUID]);\n"
        "};",
    )
    token = claims(stack.token_response())
    # The last Action to set a claim wins; nothing of the first reached the second.
    assert token["order"] == ["second", "undefined", "undefined", "function"]


def test_management_api_checks_what_auth0_checks(stack):
    admin = stack.admin()
    base = {"supported_triggers": [{"id": "credentials-exchange"}]}
    broken = admin.post("/actions/actions", json={**base, "name": "x", "code": "exports.x = ("})
    assert broken.status_code == 400 and "does not compile: SyntaxError" in broken.json()["message"]
    login = admin.post(
        "/actions/actions",
        json={"name": "x", "code": "1", "supported_triggers": [{"id": "post-login"}]},
    )
    assert login.status_code == 400 and "credentials-exchange" in login.json()["message"]
    big = admin.post("/actions/actions", json={**base, "name": "big", "code": "//" + "x" * 102_400})
    assert big.status_code == 400 and "100 kB" in big.json()["message"]
    draft = admin.post("/actions/actions", json={**base, "name": "draft", "code": DENY})
    assert draft.status_code == 201
    never = admin.patch(
        "/actions/triggers/credentials-exchange/bindings",
        json={"bindings": [{"ref": {"type": "action_name", "value": "draft"}}]},
    )
    assert never.status_code == 400 and "deploy it first" in never.json()["message"]
    assert admin.get("/actions/triggers/post-login/bindings").status_code == 404
    taken = admin.post("/actions/actions", json={**base, "name": "draft", "code": DENY})
    assert taken.status_code == 409
    action = deployed(admin, "bound", CLAIM)
    assert admin.delete(f"/actions/actions/{action['id']}").status_code == 409
    assert (
        admin.delete(f"/actions/actions/{action['id']}", params={"force": "true"}).status_code
        == 204
    )
    assert admin.get("/actions/triggers/credentials-exchange/bindings").json()["bindings"] == []


def test_the_test_endpoint_runs_the_draft_on_a_given_event(stack):
    admin = stack.admin()
    action = deployed(admin, "Deny", DENY, bind=False)
    event = {"client": {"client_id": "giftdeliveries"}, "secrets": {}}
    ran = admin.post(f"/actions/actions/{action['id']}/test", json={"payload": event})
    assert ran.status_code == 200, ran.text
    assert ran.json()["payload"]["access"]["deny"] == {
        "code": "invalid_request",
        "reason": "Gift Deliveries is paused for the holidays",
    }
    claims = deployed(
        admin,
        "Bold",
        "exports.onExecuteCredentialsExchange = async (e, api) => {"
        " api.accessToken.setCustomClaim('aud', 'x');"
        " api.accessToken.setCustomClaim('tier', 'gold'); };",
        bind=False,
    )
    said = admin.post(f"/actions/actions/{claims['id']}/test", json={"payload": event}).json()
    assert said["payload"]["access_token"]["custom_claims"] == {"tier": "gold"}
    assert said["payload"]["access_token"]["left_out"][0]["name"] == "aud"
    assert "namespaced" in said["payload"]["access_token"]["left_out"][0]["why"]
    other = admin.post(
        f"/actions/actions/{action['id']}/test",
        json={"payload": {"client": {"client_id": "other"}}},
    )
    assert other.json()["payload"]["access"]["deny"] is None


def test_the_api_tokens_follow_the_dialect_and_rbac(stack):
    admin = stack.admin()
    api = next(
        r for r in admin.get("/resource-servers").json() if r["identifier"] == "urn:worldmappers"
    )
    refused = admin.patch(
        f"/resource-servers/{api['id']}", json={"token_dialect": "access_token_authz"}
    )
    assert refused.status_code == 400 and "enforce_policies" in refused.json()["message"]
    for dialect, typ, who in (
        ("access_token_authz", "JWT", "azp"),
        ("rfc9068_profile_authz", "at+jwt", "client_id"),
    ):
        changed = admin.patch(
            f"/resource-servers/{api['id']}",
            json={"token_dialect": dialect, "enforce_policies": True},
        )
        assert changed.status_code == 200, changed.text
        answer = stack.token_response()
        token = claims(answer)
        assert jwt.get_unverified_header(answer.json()["access_token"])["typ"] == typ
        assert token[who] == GIFT[0] and token["permissions"] == ["directions"]
        assert token["scope"] == "directions"
        # The API still accepts it (its scope is what it checks).
        assert stack.call("/api/directions", answer.json()["access_token"]).status_code == 200
    plain = admin.patch(
        f"/resource-servers/{api['id']}",
        json={"token_dialect": "rfc9068_profile", "enforce_policies": False},
    )
    assert plain.status_code == 200
    assert "permissions" not in claims(stack.token_response())
