"""Each refusal of the bundled token endpoint carries its code (`rule`), and the client's
hint follows the code: the same hint whatever the description says. A provider that
sends no code (Auth0) gets a hint from its RFC 6749 error and from what was sent."""

from __future__ import annotations

from dataclasses import replace

import pytest

from m2m_tui.config.profile import Profile
from m2m_tui.oauth import token_hints
from m2m_tui.oauth.token_request import TokenRequest, request_token
from oauth_primitives.rules.closed_sets import AuthMethod
from oauth_primitives.token_refusals import Refusal
from tests.conftest import GIFT, WORLDMAPPERS


def gift(stack, **fields) -> TokenRequest:
    fields = {"audience": WORLDMAPPERS, **fields}
    profile = Profile(name="gift", issuer=stack.issuer, client_id=GIFT[0], **fields)
    return TokenRequest.for_profile(profile, GIFT[1])


async def refused(request: TokenRequest, rule: Refusal, error: str, hint: str) -> None:
    outcome = await request_token(request)
    assert not outcome.ok
    assert (outcome.error, outcome.response.get("rule")) == (error, str(rule))
    assert outcome.hint == hint


async def test_every_refusal_names_its_rule_and_the_hint_follows_it(stack):
    admin = stack.admin()
    grant = admin.get("/client-grants", params={"client_id": GIFT[0]}).json()[0]
    await refused(
        gift(stack, audience="urn:unknown"),
        Refusal.UNKNOWN_AUDIENCE,
        "access_denied",
        token_hints.UNKNOWN_AUDIENCE,
    )
    await refused(
        gift(stack, audience=stack.issuer + "api/v2/"),
        Refusal.NO_CLIENT_GRANT,
        "access_denied",
        token_hints.NO_GRANT,
    )
    await refused(
        gift(stack, scope="directions everything"),
        Refusal.SCOPE_NOT_GRANTED,
        "invalid_scope",
        "Request only scopes the client's grant holds, or grant them first.",
    )
    # Organizations: deny (the default), an unknown one, one not associated, require.
    org = token_hints.ORGANIZATIONS
    named = gift(stack, organization="acme")
    await refused(named, Refusal.ORGANIZATION_DENIED, "invalid_request", org)
    admin.patch(f"/client-grants/{grant['id']}", json={"organization_usage": "allow"})
    await refused(named, Refusal.UNKNOWN_ORGANIZATION, "invalid_request", org)
    admin.post("/organizations", json={"name": "acme"})
    await refused(named, Refusal.ORGANIZATION_NOT_ALLOWED, "access_denied", org)
    admin.patch(f"/client-grants/{grant['id']}", json={"organization_usage": "require"})
    await refused(gift(stack), Refusal.ORGANIZATION_REQUIRED, "invalid_request", org)
    admin.patch(f"/client-grants/{grant['id']}", json={"organization_usage": "deny"})
    # An API whose tokens must be bound, asked without a proof.
    rs = admin.get("/resource-servers/urn:worldmappers").json()
    admin.patch(
        f"/resource-servers/{rs['id']}",
        json={"proof_of_possession": {"mechanism": "dpop", "required": True}},
    )
    await refused(
        gift(stack),
        Refusal.DPOP_REQUIRED,
        "invalid_dpop_proof",
        token_hints.DPOP_REQUIRED,
    )


ELSEWHERE = "https://tenant.example.com/oauth/token"


def elsewhere(**form) -> TokenRequest:
    return TokenRequest(ELSEWHERE, {"grant_type": "client_credentials", **form})


@pytest.mark.parametrize(
    ("error", "request_", "hint"),
    [
        # Auth0's access_denied covers three causes; its description says which.
        ("access_denied", elsewhere(audience="urn:x"), token_hints.ACCESS_DENIED),
        # …unless the request named an organization: then the grant's rules for it.
        ("access_denied", elsewhere(organization="acme"), token_hints.ORGANIZATIONS),
        ("invalid_request", elsewhere(organization="acme"), token_hints.ORGANIZATIONS),
        # A DPoP refusal of a request that carried no proof: the API requires one.
        ("invalid_dpop_proof", elsewhere(), token_hints.DPOP_REQUIRED),
        (
            "invalid_client",
            elsewhere(),
            "Check the client secret (and the client id) of this profile.",
        ),
    ],
)
def test_without_a_code_the_hint_rests_on_the_error_and_the_request(error, request_, hint):
    assert token_hints.hint_for(error, None, 400, request_.form, request_.headers) == hint


def test_a_proof_that_was_sent_and_refused_is_not_called_missing():
    sent = replace(elsewhere(), headers={"DPoP": "a.b.c"})
    hint = token_hints.hint_for("invalid_dpop_proof", None, 400, sent.form, sent.headers)
    assert hint != token_hints.DPOP_REQUIRED and "refused the DPoP proof" in hint


def test_a_refused_certificate_is_not_called_a_wrong_secret():
    mtls = elsewhere(client_id="c")
    hint = token_hints.hint_for("invalid_client", None, 401, mtls.form, {}, certificate=True)
    assert hint == token_hints.CERTIFICATE_REFUSED and "certs register" in hint
    secret = elsewhere(client_id="c", client_secret="s")
    assert "client secret" in token_hints.hint_for("invalid_client", None, 401, secret.form, {})


def assertion_form(alg: str) -> dict:
    from oauth_primitives import base64url

    header = base64url.encode_json({"alg": alg, "typ": "JWT"})
    return {"client_id": "c", "client_assertion": f"{header}.e30.c2ln"}


@pytest.mark.parametrize(
    ("rule", "alg", "hint"),
    [
        # The bundled authority's codes: the fix fits the rule and the method the
        # assertion was (an HMAC: client_secret_jwt, the secret where the key was).
        (Refusal.ASSERTION_SIGNATURE, "HS256", token_hints.SECRET_WRONG),
        (Refusal.NO_REGISTERED_KEY, "HS256", token_hints.SECRET_NOT_KEPT),
        (Refusal.ASSERTION_ALG, "HS256", token_hints.SECRET_FIX[Refusal.ASSERTION_ALG]),
        (Refusal.ASSERTION_EXPIRED, "HS512", token_hints.CLOCK),
        (Refusal.ASSERTION_SIGNATURE, "ES256", token_hints.KEY),
        (Refusal.NO_REGISTERED_KEY, "RS256", token_hints.KEY),
        # A provider that sends no code (oidc-provider, Auth0): the method still shows.
        (None, "HS256", token_hints.SECRET_ASSERTION),
        (None, "PS256", token_hints.ASSERTION),
    ],
)
def test_a_refused_assertion_is_hinted_by_the_method_it_was(rule, alg, hint):
    form = assertion_form(alg)
    said = token_hints.hint_for("invalid_client", rule, 401, form, {})
    assert said == hint
    # The profile's method, where the request carries it, says the same.
    method = AuthMethod.CLIENT_SECRET_JWT if alg.startswith("HS") else AuthMethod.PRIVATE_KEY_JWT
    assert token_hints.hint_for("invalid_client", rule, 401, form, {}, method=method) == hint
    if alg.startswith("HS") and hint is not token_hints.CLOCK:
        assert "secret" in said and "private_key_file" not in said


def test_audience_and_resource_naming_different_apis_is_target_conflict(stack):
    """client_credentials, as the exchange grant: one target, whichever names it."""
    response = stack.token_response(resource="urn:worldmappers:routes")
    body = response.json()
    assert (response.status_code, body["error"], body["rule"]) == (
        400, "invalid_request", "target_conflict",
    )  # fmt: skip
    assert "urn:worldmappers and urn:worldmappers:routes" in body["error_description"]
    hint = token_hints.hint_for(body["error"], Refusal(body["rule"]), 400, {}, {})
    assert hint.startswith("audience and resource name different APIs")
