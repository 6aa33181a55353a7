"""The World Mappers API serving organizations (Auth0's Organizations for M2M): with
`require_organization` it refuses a token without org_id, and with `organizations` one
for an organization it does not serve; RFC 6750 refusals that name the problem, and
RFC 9728 metadata that states the requirement."""

from __future__ import annotations

from tests.conftest import _http, mint
from tests.helpers.serve_process import start, stop


def refused(stack, token: str) -> str:
    answer = stack.call("/api/directions", token, destination="Paris")
    assert answer.status_code == 401, answer.text
    challenge = answer.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge
    return challenge


def test_only_the_organizations_served_get_in(org_stack):
    acme = mint(org_stack.issuer, organization="acme")
    assert org_stack.call("/api/directions", acme, destination="Paris").status_code == 200
    assert "names no organization" in refused(org_stack, mint(org_stack.issuer))
    said = refused(org_stack, mint(org_stack.issuer, organization="globex"))
    assert "organization globex (org_" in said and "it serves acme" in said


def test_the_metadata_states_the_requirement(org_stack):
    meta = _http().get(org_stack.api_url + "/.well-known/oauth-protected-resource").json()
    assert meta["organization_required"] is True
    assert meta["organizations_supported"] == ["acme"]


def test_serve_flags(tmp_path, shared_stack):
    proc, found = start(
        tmp_path,
        "--only",
        "api",
        "--issuer",
        shared_stack.issuer,
        "--organizations",
        "acme,org_123",
    )
    try:
        api = found["api"].rstrip("/")
        meta = _http().get(api + "/.well-known/oauth-protected-resource").json()
        assert meta["organization_required"] is True
        assert meta["organizations_supported"] == ["acme", "org_123"]
        token = shared_stack.token()  # no organization
        answer = _http().get(
            api + "/api/directions",
            params={"destination": "Paris"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 401 and "names no organization" in answer.text
    finally:
        stop(proc)
