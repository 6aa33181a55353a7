"""Auth0's Organizations for M2M at the bundled authority: organizations and their client
grants through the Management API, each grant's organization_usage and
allow_any_organization, and the token endpoint's `organization` parameter with every
rule, refusals naming the organization and the rule; all of it persisted and backed up."""

from __future__ import annotations

import json
import sqlite3

import jwt
import pytest

from api_server.authority.tenant import Tenant
from tests.conftest import GIFT, WORLDMAPPERS, start_stack, token_response


def gift_grant(admin) -> dict:
    return admin.get("/client-grants", params={"client_id": GIFT[0]}).json()[0]


def claims_of(answer) -> dict:
    assert answer.status_code == 200, answer.text
    return jwt.decode(answer.json()["access_token"], options={"verify_signature": False})


def test_organizations_crud_and_bad_input(stack):
    admin = stack.admin()
    made = admin.post("/organizations", json={"name": "acme", "display_name": "Acme Corp"})
    assert made.status_code == 201, made.text
    acme = made.json()
    assert acme["id"].startswith("org_") and acme["name"] == "acme"
    assert acme["display_name"] == "Acme Corp"
    assert admin.get(f"/organizations/{acme['id']}").json() == acme
    assert [o["name"] for o in admin.get("/organizations").json()] == ["acme"]
    renamed = admin.patch(f"/organizations/{acme['id']}", json={"display_name": "ACME"})
    assert renamed.status_code == 200 and renamed.json()["display_name"] == "ACME"
    taken = admin.post("/organizations", json={"name": "acme"})
    assert taken.status_code == 409 and "acme already exists" in taken.json()["message"]
    bad = admin.post("/organizations", json={"name": "Not Valid!"})
    assert bad.status_code == 400 and "lowercase" in bad.json()["message"]
    assert admin.get("/organizations/org_nothing").status_code == 404


def test_grant_organization_usage_is_checked_and_shown(stack):
    admin = stack.admin()
    grant = gift_grant(admin)
    assert grant["organization_usage"] == "deny" and grant["allow_any_organization"] is False
    wrong = admin.patch(f"/client-grants/{grant['id']}", json={"organization_usage": "always"})
    assert wrong.status_code == 400
    assert "must be one of deny, allow, require" in wrong.json()["message"]
    changed = admin.patch(
        f"/client-grants/{grant['id']}",
        json={"organization_usage": "allow", "allow_any_organization": True},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["organization_usage"] == "allow"
    assert changed.json()["allow_any_organization"] is True
    assert changed.json()["scope"] == grant["scope"]  # the scopes are left as they were


def test_associating_a_grant(stack):
    admin = stack.admin()
    org = admin.post("/organizations", json={"name": "acme"}).json()
    grant = gift_grant(admin)
    missing = admin.post(f"/organizations/{org['id']}/client-grants", json={"grant_id": "cgr_x"})
    assert missing.status_code == 404 and "cgr_x" in missing.json()["message"]
    added = admin.post(f"/organizations/{org['id']}/client-grants", json={"grant_id": grant["id"]})
    assert added.status_code == 201 and added.json()["id"] == grant["id"]
    listed = admin.get(f"/organizations/{org['id']}/client-grants").json()
    assert [g["id"] for g in listed] == [grant["id"]]
    # And the other way round: the organizations a grant may name.
    named = admin.get(f"/client-grants/{grant['id']}/organizations").json()
    assert [o["name"] for o in named] == ["acme"]
    gone = admin.delete(f"/organizations/{org['id']}/client-grants/{grant['id']}")
    assert gone.status_code == 204
    assert admin.get(f"/organizations/{org['id']}/client-grants").json() == []
    assert admin.get(f"/client-grants/{grant['id']}/organizations").json() == []
    again = admin.delete(f"/organizations/{org['id']}/client-grants/{grant['id']}")
    assert again.status_code == 404 and "not associated" in again.json()["message"]


@pytest.fixture
def orgs(stack):
    """Acme (associated with Gift Deliveries' grant) and Globex (not)."""
    admin = stack.admin()
    acme = admin.post("/organizations", json={"name": "acme"}).json()
    globex = admin.post("/organizations", json={"name": "globex"}).json()
    grant = gift_grant(admin)
    admin.post(f"/organizations/{acme['id']}/client-grants", json={"grant_id": grant["id"]})
    return admin, grant, acme, globex


def usage(admin, grant, value: str, any_org: bool = False) -> None:
    answer = admin.patch(
        f"/client-grants/{grant['id']}",
        json={"organization_usage": value, "allow_any_organization": any_org},
    )
    assert answer.status_code == 200, answer.text


def refusal(answer, status: int, error: str) -> str:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error
    return answer.json()["error_description"]


def test_deny_refuses_a_request_that_names_one(stack, orgs):
    _, _, acme, _ = orgs
    assert "org_id" not in claims_of(token_response(stack.issuer))  # deny, none named: fine
    said = refusal(token_response(stack.issuer, organization="acme"), 400, "invalid_request")
    assert "acme" in said and "organization_usage is deny" in said


def test_require_refuses_a_request_without_one(stack, orgs):
    admin, grant, acme, _ = orgs
    usage(admin, grant, "require")
    said = refusal(token_response(stack.issuer), 400, "invalid_request")
    assert "must name an organization" in said and "organization_usage is" in said
    # By name or by id: the token carries both.
    for named in ("acme", acme["id"]):
        claims = claims_of(token_response(stack.issuer, organization=named))
        assert claims["org_id"] == acme["id"] and claims["org_name"] == "acme"


def test_allow_takes_an_associated_organization_or_none(stack, orgs):
    admin, grant, acme, globex = orgs
    usage(admin, grant, "allow")
    assert "org_id" not in claims_of(token_response(stack.issuer))
    assert claims_of(token_response(stack.issuer, organization="acme"))["org_id"] == acme["id"]
    said = refusal(token_response(stack.issuer, organization="globex"), 403, "access_denied")
    assert "globex" in said and globex["id"] in said and "associate" in said
    said = refusal(token_response(stack.issuer, organization="initech"), 400, "invalid_request")
    assert "No organization initech" in said


def test_allow_any_organization_skips_the_association(stack, orgs):
    admin, grant, _, globex = orgs
    usage(admin, grant, "allow", any_org=True)
    claims = claims_of(token_response(stack.issuer, organization="globex"))
    assert claims["org_id"] == globex["id"] and claims["org_name"] == "globex"


def test_deleting_an_organization_takes_its_associations_with_it(stack, orgs):
    admin, grant, acme, _ = orgs
    usage(admin, grant, "allow")
    assert admin.delete(f"/organizations/{acme['id']}").status_code == 204
    assert admin.get(f"/client-grants/{grant['id']}").status_code == 200  # the grant stays
    said = refusal(token_response(stack.issuer, organization="acme"), 400, "invalid_request")
    assert "No organization acme" in said


def test_organizations_persist_across_a_restart(tmp_path):
    first = start_stack(tmp_path / "state")
    admin = first.admin()
    org = admin.post("/organizations", json={"name": "acme"}).json()
    grant = gift_grant(admin)
    admin.post(f"/organizations/{org['id']}/client-grants", json={"grant_id": grant["id"]})
    usage(admin, grant, "require")
    first.thread.stop()
    again = start_stack(tmp_path / "state")
    try:
        claims = claims_of(token_response(again.issuer, organization="acme"))
        assert claims["org_id"] == org["id"]
    finally:
        again.thread.stop()
    # The clean stop checkpointed the database: the .db file alone holds it all.
    db = sqlite3.connect(tmp_path / "state" / "tenant.db")
    assert db.execute("SELECT name FROM organizations").fetchall() == [("acme",)]
    dumped = Tenant.read_only(tmp_path / "state" / "tenant.db").db.dump()
    assert [o["name"] for o in dumped["organizations"]] == ["acme"]  # in every backup
    assert dumped["organization_client_grants"][0]["grant_id"] == grant["id"]


def test_a_tenant_from_before_organizations_gains_them(tmp_path):
    """A database made before these columns, tables and Management API scopes: opened,
    it gains them, and the admin grant (seeded with every scope) gets the new scopes."""
    state = tmp_path / "state"
    first = start_stack(state)
    first.thread.stop()
    db = sqlite3.connect(state / "tenant.db")
    db.executescript(
        "DROP TABLE organizations; DROP TABLE organization_client_grants;"
        "ALTER TABLE client_grants DROP COLUMN organization_usage;"
        "ALTER TABLE client_grants DROP COLUMN allow_any_organization;"
    )
    rows = db.execute("SELECT id, scopes FROM resource_servers WHERE is_system = 1").fetchall()
    for rs_id, scopes in rows:
        kept = [s for s in json.loads(scopes) if "organization" not in s["value"]]
        db.execute("UPDATE resource_servers SET scopes = ? WHERE id = ?", (json.dumps(kept), rs_id))
    for grant_id, scope in db.execute("SELECT id, scope FROM client_grants").fetchall():
        kept = [s for s in json.loads(scope) if "organization" not in s]
        db.execute("UPDATE client_grants SET scope = ? WHERE id = ?", (json.dumps(kept), grant_id))
    db.commit()
    db.close()
    again = start_stack(state)
    try:
        admin = again.admin()
        assert admin.post("/organizations", json={"name": "acme"}).status_code == 201
        assert gift_grant(admin)["organization_usage"] == "deny"
        assert WORLDMAPPERS in {g["audience"] for g in admin.get("/client-grants").json()}
    finally:
        again.thread.stop()
