"""The client side of Organizations for M2M against the bundled pair, the API serving
only Acme: a profile's `organization` and `--organization` on token, call and diagnose,
tokens cached per organization, `decode` explaining org_id, and diagnose naming a
missing or wrong organization as the API refuses it."""

from __future__ import annotations

import json

import jwt

from tests.conftest import run_cli
from tests.helpers.sessions import write_org_config


def claims(result) -> dict:
    assert result.returncode == 0, result.stderr
    return jwt.decode(
        json.loads(result.stdout)["access_token"], options={"verify_signature": False}
    )


def test_the_profiles_organization_and_the_flag(tmp_path, org_stack):
    write_org_config(tmp_path, org_stack)
    acme = claims(run_cli(tmp_path, "token", "--json"))
    assert acme["org_name"] == "acme" and acme["org_id"].startswith("org_")
    globex = claims(run_cli(tmp_path, "token", "--json", "--organization", "globex"))
    assert globex["org_name"] == "globex"  # another organization: not the cached token
    assert claims(run_cli(tmp_path, "token", "--json"))["jti"] == acme["jti"]  # cached per org
    called = run_cli(tmp_path, "call", "/api/directions", "--param", "destination=Paris")
    assert called.returncode == 0 and called.stderr.startswith("200"), called.stderr
    refused = run_cli(
        tmp_path,
        "call",
        "/api/directions",
        "--param",
        "destination=Paris",
        "--organization",
        "globex",
    )
    assert refused.returncode == 1 and "does not serve" in refused.stdout + refused.stderr


def test_diagnose_names_the_organization_problem(tmp_path, org_stack):
    write_org_config(tmp_path, org_stack, organization=None)
    none = run_cli(tmp_path, "diagnose", "/api/directions?destination=Paris", "--json")
    report = json.loads(none.stdout)
    assert none.returncode == 1 and report["failed"] == ["organization"], report["checks"]
    check = next(c for c in report["checks"] if c["name"] == "organization")
    assert "names none" in check["detail"] and "organization=" in check["fix"]
    # The tenant's own word, through the Management API: the grant allows any organization.
    assert (
        "The Management API says giftdeliveries's grant on urn:worldmappers allows acme"
        in (check["fix"])
    )
    assert report["agreement"] == "agree"
    wrong = run_cli(
        tmp_path,
        "diagnose",
        "/api/directions?destination=Paris",
        "--json",
        "--organization",
        "globex",
    )
    report = json.loads(wrong.stdout)
    check = next(c for c in report["checks"] if c["name"] == "organization")
    assert report["failed"] == ["organization"] and "globex" in check["detail"]
    assert "the API serves acme" in check["detail"] and "associated" in check["fix"]
    right = run_cli(
        tmp_path, "diagnose", "/api/directions?destination=Paris", "--organization", "acme"
    )
    assert right.returncode == 0 and "ACCEPTED" in right.stdout


def test_decode_explains_the_organization(tmp_path, org_stack):
    write_org_config(tmp_path, org_stack)
    token = run_cli(tmp_path, "token").stdout.strip()
    shown = " ".join(run_cli(tmp_path, "decode", token).stdout.split())
    assert "org_id" in shown and "the organization this token is for" in shown
    assert "org_name" in shown


def test_organization_is_auth0s_only(tmp_path, org_stack):
    write_org_config(tmp_path, org_stack)
    text = (
        (tmp_path / "config.toml")
        .read_text()
        .replace(
            'client_id = "giftdeliveries"', 'client_id = "giftdeliveries"\nprovider = "generic"', 1
        )
    )
    (tmp_path / "config.toml").write_text(text)
    result = run_cli(tmp_path, "token")
    assert result.returncode == 2 and "Auth0's Organizations for M2M" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_refused_organization_is_explained(tmp_path, org_stack):
    """The authority's refusal names the organization and the rule; the hint says
    where organizations are decided."""
    write_org_config(tmp_path, org_stack, organization="initech")
    result = run_cli(tmp_path, "token")
    assert result.returncode == 1 and "No organization initech" in result.stderr
    assert "organization_usage" in result.stderr and "--organization" in result.stderr


def test_the_organizations_command_end_to_end(tmp_path, stack):
    """Create, authorize (the grant's usage goes from deny to allow), a token for the
    organization, unauthorize, require, list, delete; and a sentence, exit 1, for an
    unknown name."""
    write_org_config(tmp_path, stack, organization=None)

    def orgs(*args: str):
        return run_cli(tmp_path, "organizations", *args)

    made = orgs("create", "acme", "--display-name", "Acme Corp")
    assert made.returncode == 0 and "acme: created" in made.stdout, made.stderr
    authorized = orgs("authorize", "acme", "giftdeliveries", "urn:worldmappers")
    assert authorized.returncode == 0, authorized.stderr
    assert "organization_usage is now allow" in authorized.stdout
    assert "may now name acme" in authorized.stdout
    token = claims(run_cli(tmp_path, "token", "--json", "--organization", "acme"))
    assert token["org_name"] == "acme"
    gone = orgs("unauthorize", "acme", "giftdeliveries", "urn:worldmappers")
    assert gone.returncode == 0 and "may no longer name acme" in gone.stdout
    again = orgs("authorize", "acme", "giftdeliveries", "urn:worldmappers", "--usage", "require")
    assert "organization_usage is now require" in again.stdout
    refused = run_cli(tmp_path, "token", "--no-cache")
    assert refused.returncode == 1 and "must name an organization" in refused.stderr
    listed = json.loads(orgs("list", "--json").stdout)
    assert [(o["name"], o["display_name"]) for o in listed] == [("acme", "Acme Corp")]
    assert [g["client_id"] for g in listed[0]["client_grants"]] == ["giftdeliveries"]
    unknown = orgs("authorize", "initech", "giftdeliveries", "urn:worldmappers")
    assert unknown.returncode == 1 and "no organization 'initech' (known: acme)" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    deleted = orgs("delete", "acme")
    assert deleted.returncode == 0 and "the grant stays, without acme" in deleted.stdout
    after = run_cli(tmp_path, "token", "--no-cache", "--organization", "acme")
    assert after.returncode == 1 and "No organization acme" in after.stderr


def test_organizations_usage_shows_and_sets_any_and_only_associated(tmp_path, stack):
    """README: `usage CLIENT AUDIENCE [deny|allow|require] [--any | --only-associated]`."""
    write_org_config(tmp_path, stack, organization=None)

    def usage(*args: str):
        return run_cli(
            tmp_path, "organizations", "usage", "giftdeliveries", "urn:worldmappers", *args
        )

    def grant() -> dict:
        found = stack.admin().get("/client-grants", params={"client_id": "giftdeliveries"})
        return next(g for g in found.json() if g["audience"] == "urn:worldmappers")

    shown = usage()
    assert shown.returncode == 0 and "deny" in shown.stdout, shown.stderr
    anyone = usage("allow", "--any")
    assert anyone.returncode == 0, anyone.stderr
    assert (grant()["organization_usage"], grant()["allow_any_organization"]) == ("allow", True)
    run_cli(tmp_path, "organizations", "create", "acme")
    # Any organization of the tenant, associated or not.
    assert (
        claims(run_cli(tmp_path, "token", "--json", "--organization", "acme"))["org_name"] == "acme"
    )
    only = usage("--only-associated")
    assert only.returncode == 0, only.stderr
    assert (grant()["organization_usage"], grant()["allow_any_organization"]) == ("allow", False)
    refused = run_cli(tmp_path, "token", "--no-cache", "--organization", "acme")
    assert refused.returncode == 1 and "acme" in refused.stderr
    both = usage("--any", "--only-associated")
    assert both.returncode == 2 and "not allowed with" in both.stderr
