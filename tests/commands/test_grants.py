"""`m2m-tui grants` and `m2m-tui keys` against the bundled tenant."""

from __future__ import annotations

import json

import jwt

from tests.conftest import run_cli as cli
from tests.helpers.sessions import write_config


def scopes_of_next_token(stack) -> list[str]:
    return jwt.decode(stack.token(), options={"verify_signature": False}).get("scope", "").split()


def test_each_grant_edit_and_the_next_token(tmp_path, stack):
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    listed = json.loads(
        cli(tmp_path, "grants", "list", "--client", "giftdeliveries", "--json").stdout
    )
    assert [g["scope"] for g in listed] == [["directions"]]
    assert (
        cli(
            tmp_path, "grants", "add", "giftdeliveries", "urn:worldmappers", "geocode:location"
        ).returncode
        == 0
    )
    assert scopes_of_next_token(stack) == ["directions", "geocode:location"]
    assert (
        cli(
            tmp_path, "grants", "remove", "giftdeliveries", "urn:worldmappers", "directions"
        ).returncode
        == 0
    )
    assert scopes_of_next_token(stack) == ["geocode:location"]
    assert (
        cli(
            tmp_path,
            "grants",
            "set",
            "giftdeliveries",
            "urn:worldmappers",
            "reverse-geocode:location",
            "directions",
        ).returncode
        == 0
    )
    assert scopes_of_next_token(stack) == ["reverse-geocode:location", "directions"]
    revoked = cli(tmp_path, "grants", "revoke", "giftdeliveries", "urn:worldmappers")
    assert revoked.returncode == 0 and "revoked cgr_" in revoked.stdout
    assert stack.token_response().status_code == 403
    # set creates the grant again when it is missing.
    assert (
        cli(
            tmp_path, "grants", "set", "giftdeliveries", "urn:worldmappers", "directions"
        ).returncode
        == 0
    )
    assert scopes_of_next_token(stack) == ["directions"]


def test_unknown_names_exit_non_zero_naming_them(tmp_path, stack):
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    for args, named in (
        (("ghost", "urn:worldmappers", "directions"), "'ghost'"),
        (("giftdeliveries", "urn:nope", "directions"), "'urn:nope'"),
        (("giftdeliveries", "urn:worldmappers", "fly"), "fly"),
    ):
        result = cli(tmp_path, "grants", "add", *args)
        assert result.returncode == 1 and named in result.stderr
        assert "Traceback" not in result.stderr
    assert cli(tmp_path, "grants", "revoke", "m2m-admin", "urn:worldmappers").returncode == 1


def test_insufficient_management_scope_is_named(tmp_path, stack):
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    admin = stack.admin()
    grant = admin.get("/client-grants", params={"client_id": "m2m-admin"}).json()[0]
    admin.patch(
        f"/client-grants/{grant['id']}", json={"scope": ["read:clients", "read:resource_servers"]}
    )
    result = cli(tmp_path, "grants", "list")
    assert result.returncode == 1
    assert "Insufficient scope, expected any of: read:client_grants" in result.stderr


def test_keys_rotate_and_revoke_with_the_apis_answer(tmp_path, quick_jwks_stack):
    stack = quick_jwks_stack
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    old = stack.token()
    old_kid = jwt.get_unverified_header(old)["kid"]
    listing = json.loads(cli(tmp_path, "keys", "list", "--json").stdout)
    assert {k["kid"]: k["current"] for k in listing}[old_kid] is True
    assert "now signs" in cli(tmp_path, "keys", "rotate").stdout
    assert stack.call("/api/directions", old, destination="Seattle").status_code == 200
    assert jwt.get_unverified_header(stack.token())["kid"] != old_kid
    assert cli(tmp_path, "keys", "revoke", old_kid).returncode == 0
    keys = json.loads(cli(tmp_path, "keys", "list", "--json").stdout)
    assert {k["kid"]: k["revoked"] for k in keys}[old_kid] is True
    assert cli(tmp_path, "keys", "revoke", "no-such-kid").returncode == 1


def test_server_down_is_a_network_error(tmp_path):
    write_config(tmp_path / "config.toml", "http://127.0.0.1:9/", None)
    result = cli(tmp_path, "grants", "list")
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert "cannot connect" in result.stderr
    assert result.stderr.startswith("m2m-tui: error:")
