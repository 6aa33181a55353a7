"""The World Mappers API in `validation = "introspection"` mode: it asks the bundled
authority about every token (RFC 7662) as its own seeded client, so a revoked token
is refused at once, where the JWT-validating API accepts it until its exp."""

from __future__ import annotations

from dataclasses import replace

from tests.conftest import GIFT, _http, repo_settings, start_stack
from tests.helpers.serve_process import start, stop


def revoke(issuer: str, token: str) -> int:
    body = {"token": token, "client_id": GIFT[0], "client_secret": GIFT[1]}
    return _http().post(issuer + "oauth/revoke", data=body).status_code


def test_revoked_is_refused_at_once_by_introspection_and_accepted_by_jwt(tmp_path):
    settings = repo_settings()
    introspecting = start_stack(
        tmp_path / "state", replace(settings, api=replace(settings.api, validation="introspection"))
    )
    try:
        token = introspecting.token()
        assert (
            introspecting.call("/api/directions", token, destination="Seattle").status_code == 200
        )
        # The scope still decides: introspection says what the token may do.
        refused = introspecting.call("/api/location/geocode", token, address="Paris")
        assert (
            refused.status_code == 403
            and "insufficient_scope" in refused.headers["www-authenticate"]
        )
        assert revoke(introspecting.issuer, token) == 200
        answer = introspecting.call("/api/directions", token, destination="Seattle")
        assert answer.status_code == 401
        assert "not active" in answer.headers["www-authenticate"]
        garbage = introspecting.call("/api/directions", "not-a-token", destination="Seattle")
        assert garbage.status_code == 401
    finally:
        introspecting.thread.stop()


def test_the_jwt_validating_api_accepts_a_revoked_token_until_its_exp(stack):
    token = stack.token()
    assert revoke(stack.issuer, token) == 200
    assert stack.call("/api/directions", token, destination="Seattle").status_code == 200


def test_serve_only_api_validation_introspection_needs_no_more_flags(tmp_path, stack):
    """Against the bundled authority the tenant seeds the API's own client, and the
    shipped [server.api] names it: the flag alone is enough."""
    proc, found = start(
        tmp_path, "--only", "api", "--issuer", stack.issuer, "--validation", "introspection"
    )
    try:
        url = found["api"].rstrip("/") + "/api/directions"
        token = stack.token()
        headers = {"Authorization": f"Bearer {token}"}
        assert (
            _http().get(url, params={"destination": "Seattle"}, headers=headers).status_code == 200
        )
        assert revoke(stack.issuer, token) == 200
        after = _http().get(url, params={"destination": "Seattle"}, headers=headers)
        assert after.status_code == 401 and "not active" in after.headers["www-authenticate"]
    finally:
        stop(proc)


def test_diagnose_a_revoked_jwt_at_each_kind_of_api(tmp_path):
    """The bundled pair: the introspecting API refuses a revoked token, and diagnose
    (which asks the issuer, as that API did) names `active`; at the JWT-validating API
    the same token is accepted, and the diagnosis says what that mode means."""
    import json

    from tests.conftest import run_cli
    from tests.helpers.sessions import write_config

    settings = repo_settings()
    introspecting = start_stack(
        tmp_path / "state", replace(settings, api=replace(settings.api, validation="introspection"))
    )
    try:
        write_config(tmp_path / "config.toml", introspecting.issuer, introspecting.api_url)
        token = introspecting.token()
        assert revoke(introspecting.issuer, token) == 200
        url = introspecting.api_url.rstrip("/") + "/api/directions?destination=Seattle"
        result = run_cli(tmp_path, "diagnose", url, "--token", token, "--json")
        report = json.loads(result.stdout)
        assert result.returncode == 1 and report["server"]["status"] == 401
        assert report["failed"] == ["active"] and report["agreement"] == "agree"
        checks = {c["name"]: c for c in report["checks"]}
        assert "revoked" in checks["active"]["detail"] and checks["signature"]["ok"] is True
        assert "a revoked token is refused at once" in checks["format"]["detail"]
    finally:
        introspecting.thread.stop()
