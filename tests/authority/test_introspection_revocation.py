"""RFC 7662 introspection and RFC 7009 revocation at the bundled authority: advertised in
discovery under RFC 8414's names, behind the token endpoint's client authentication; a
revoked token is inactive at once and stays so across a restart, while the API that
only validates the JWT accepts it until its exp."""

from __future__ import annotations

import time

from tests.conftest import ADMIN, GIFT, _http, start_stack


def introspect(stack, token: str, client=GIFT, **extra):
    body = {"token": token, "client_id": client[0], "client_secret": client[1], **extra}
    return _http().post(stack.issuer + "oauth/introspect", data=body)


def revoke(stack, token: str, client=GIFT, **extra):
    body = {"token": token, "client_id": client[0], "client_secret": client[1], **extra}
    return _http().post(stack.issuer + "oauth/revoke", data=body)


def test_discovery_names_both_endpoints(shared_stack):
    meta = _http().get(shared_stack.issuer + ".well-known/oauth-authorization-server").json()
    assert meta["introspection_endpoint"] == shared_stack.issuer + "oauth/introspect"
    assert meta["revocation_endpoint"] == shared_stack.issuer + "oauth/revoke"
    assert "client_secret_basic" in meta["introspection_endpoint_auth_methods_supported"]
    assert "private_key_jwt" in meta["revocation_endpoint_auth_methods_supported"]


def test_a_live_token_is_active_with_what_it_may_do(shared_stack):
    token = shared_stack.token()
    answer = introspect(shared_stack, token)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    said = answer.json()
    assert said["active"] is True and said["scope"] == "directions"
    assert said["client_id"] == "giftdeliveries" and said["token_type"] == "Bearer"
    assert said["aud"] == "urn:worldmappers" and said["exp"] > time.time()
    # Basic authentication works as at the token endpoint (RFC 6749 §2.3.1).
    basic = _http().post(shared_stack.issuer + "oauth/introspect", data={"token": token}, auth=GIFT)
    assert basic.json()["active"] is True


def test_anything_else_is_inactive_and_never_says_why(shared_stack, fake_issuer):
    foreign = fake_issuer.sign(fake_issuer.claims())
    for token in ("garbage", "a.b.c", foreign, shared_stack.token() + "x"):
        assert introspect(shared_stack, token).json() == {"active": False}


def test_client_credentials_are_required(shared_stack):
    token = shared_stack.token()
    anonymous = _http().post(shared_stack.issuer + "oauth/introspect", data={"token": token})
    assert anonymous.status_code == 400 and "client_id" in anonymous.json()["error_description"]
    wrong = introspect(shared_stack, token, client=(GIFT[0], "wrong"))
    assert wrong.status_code == 401
    missing = _http().post(
        shared_stack.issuer + "oauth/introspect", data={"client_id": GIFT[0]}, auth=None
    )
    assert missing.status_code in (400, 401)
    no_token = revoke(shared_stack, "")
    assert no_token.status_code == 400 and "token" in no_token.json()["error_description"]


def test_revoked_is_inactive_at_once_and_after_a_restart_but_jwt_apis_still_accept_it(tmp_path):
    stack = start_stack(tmp_path / "state")
    try:
        token = stack.token()
        other = stack.token()
        assert revoke(stack, token).status_code == 200
        assert introspect(stack, token).json() == {"active": False}
        assert introspect(stack, other).json()["active"] is True  # only that one
        # The bundled API validates JWTs itself: it accepts the token until its exp.
        assert stack.call("/api/directions", token, destination="Seattle").status_code == 200
        # Revoking again, or revoking garbage, is answered 200 (RFC 7009 §2.2).
        assert revoke(stack, token).status_code == 200
        assert revoke(stack, "garbage").status_code == 200
    finally:
        stack.thread.stop()
    port = int(stack.issuer.rsplit(":", 1)[1].strip("/"))
    again = start_stack(tmp_path / "state", authority_port=port)  # the same issuer
    assert again.issuer == stack.issuer
    try:
        assert introspect(again, token).json() == {"active": False}  # kept in the tenant
        assert introspect(again, other).json()["active"] is True
    finally:
        again.thread.stop()


def test_only_the_client_a_token_was_issued_to_may_revoke_it(stack):
    token = stack.token()
    refused = revoke(stack, token, client=ADMIN)
    assert refused.status_code == 400 and refused.json()["error"] == "unauthorized_client"
    assert "giftdeliveries" in refused.json()["error_description"]
    assert introspect(stack, token).json()["active"] is True
    hint = revoke(stack, token, token_type_hint="id_token")
    assert hint.status_code == 400 and hint.json()["error"] == "unsupported_token_type"


def test_revoked_tokens_are_remembered_up_to_the_cap_then_a_503(stack):
    # README: at most 100,000 at once; here the cap is 2, the same rule at a size a test
    # can fill.
    stack.authority.tenant.revocations.MAX_REVOKED = 2
    first, second, third = (stack.token() for _ in range(3))
    assert revoke(stack, first).status_code == 200
    assert revoke(stack, second).status_code == 200
    full = revoke(stack, third)
    assert full.status_code == 503 and full.json()["error"] == "temporarily_unavailable"
    assert full.headers["retry-after"] == "60"
    assert introspect(stack, third).json()["active"] is True  # not revoked: said so
    assert introspect(stack, first).json()["active"] is False
