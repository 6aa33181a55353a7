"""`m2m-tui introspect` and `m2m-tui revoke` against the bundled authority, and against
servers that cannot answer them: each failure a sentence and an exit status."""

from __future__ import annotations

import json

from tests.conftest import run_cli
from tests.helpers.sessions import write_config


def test_introspect_then_revoke_then_inactive_and_the_cache_is_dropped(tmp_path, stack):
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    token = run_cli(tmp_path, "token").stdout.strip()
    active = run_cli(tmp_path, "introspect")  # the profile's (cached) token
    assert active.returncode == 0, active.stderr
    assert "active: true" in active.stdout and "scope: directions" in active.stdout
    assert "client_id: giftdeliveries" in active.stdout and "expires in" in active.stdout
    as_json = json.loads(run_cli(tmp_path, "introspect", "--json", token).stdout)
    assert as_json["active"] is True and as_json["token_type"] == "Bearer"

    revoked = run_cli(tmp_path, "revoke")
    assert revoked.returncode == 0, revoked.stderr
    assert "dropped from the cache" in revoked.stderr and "until it expires" in revoked.stderr
    after = run_cli(tmp_path, "introspect", token)
    assert after.returncode == 1 and "active: false" in after.stdout
    # The JWT-validating API still accepts it; the next `token` is a new one.
    assert stack.call("/api/directions", token, destination="Seattle").status_code == 200
    assert run_cli(tmp_path, "token").stdout.strip() != token
    piped = run_cli(tmp_path, "introspect", "-", stdin=token)
    assert piped.returncode == 1 and "active: false" in piped.stdout


def test_revoke_without_a_cached_token_says_what_to_give(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    result = run_cli(tmp_path, "revoke")
    assert result.returncode == 2 and "no cached token" in result.stderr


def test_a_provider_without_these_endpoints_is_named(tmp_path, fake_issuer):
    write_config(tmp_path / "config.toml", fake_issuer.issuer, None)
    token = fake_issuer.sign(fake_issuer.claims())
    for command, field in (
        ("introspect", "introspection_endpoint"),
        ("revoke", "revocation_endpoint"),
    ):
        result = run_cli(tmp_path, command, token)
        assert result.returncode == 2, result.stderr
        assert f"no {field} found by discovery" in result.stderr and "--endpoint" in result.stderr
        assert "Traceback" not in result.stderr


def test_an_endpoint_that_answers_html_or_refuses_the_client(tmp_path, stack, misbehaving):
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    html = run_cli(tmp_path, "introspect", "--endpoint", misbehaving.base("html"), "a.b.c")
    assert html.returncode == 3 and "not a JSON object" in html.stderr
    assert "Traceback" not in html.stderr
    write_config(
        tmp_path / "config.toml",
        stack.issuer,
        stack.api_url,
        wrong=(
            f'issuer = "{stack.issuer}"\nclient_id = "giftdeliveries"\n'
            'client_secret = "not-the-secret"\naudience = "urn:worldmappers"'
        ),
    )
    refused = run_cli(tmp_path, "--profile", "wrong", "introspect", "a.b.c")
    assert refused.returncode == 1 and "invalid_client" in refused.stderr


def test_an_authorization_server_that_is_down_is_a_network_error(tmp_path):
    write_config(tmp_path / "config.toml", "http://127.0.0.1:9/", None)
    result = run_cli(tmp_path, "introspect", "a.b.c")
    assert result.returncode == 3 and "cannot connect" in result.stderr
    assert "may not offer it" not in result.stderr and "Traceback" not in result.stderr


def test_the_profiles_endpoints_are_used_when_discovery_names_none(tmp_path, stack, fake_issuer):
    """A provider whose discovery names neither endpoint (the fake issuer's): the
    profile's introspection_endpoint and revocation_endpoint are asked instead."""
    write_config(
        tmp_path / "config.toml",
        stack.issuer,
        None,
        other=(
            f'issuer = "{fake_issuer.issuer}"\ntoken_endpoint = "{stack.issuer}oauth/token"\n'
            'client_id = "giftdeliveries"\nclient_secret = "giftdeliveries-local-secret"\n'
            'audience = "urn:worldmappers"\nprovider = "generic"\n'
            f'introspection_endpoint = "{stack.issuer}oauth/introspect"\n'
            f'revocation_endpoint = "{stack.issuer}oauth/revoke"\n'
        ),
    )
    token = stack.token()
    seen = run_cli(tmp_path, "--profile", "other", "introspect", token)
    assert seen.returncode == 0 and "active: true" in seen.stdout, seen.stderr
    assert run_cli(tmp_path, "--profile", "other", "revoke", token).returncode == 0
    after = run_cli(tmp_path, "--profile", "other", "introspect", token)
    assert after.returncode == 1 and "active: false" in after.stdout


def test_introspect_after_revoke_never_fetches_a_new_token(tmp_path, stack):
    """It answered "active: true" for a token it had just fetched unasked: the revoked
    one was out of the cache. Now it says which token it asks about, and where that
    token came from, and with none held it says how to give one."""
    import jwt

    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    token = run_cli(tmp_path, "token").stdout.strip()
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    cached = run_cli(tmp_path, "introspect")
    assert cached.returncode == 0 and "active: true" in cached.stdout
    assert f"introspecting jti {jti} ({token[:12]}" in cached.stderr
    assert "the cached token of profile gift" in cached.stderr
    assert token not in cached.stderr  # named, never shown whole

    revoked = run_cli(tmp_path, "revoke")
    assert revoked.returncode == 0 and f"revoked jti {jti}" in revoked.stderr
    after = run_cli(tmp_path, "introspect")
    assert after.returncode == 2, after.stdout
    assert "active" not in after.stdout
    assert "no token to introspect" in after.stderr
    for way in ("introspect TOKEN", "introspect -", "introspect --new"):
        assert way in after.stderr
    assert run_cli(tmp_path, "token", "--json").stdout.count('"from_cache": false') == 1

    piped = run_cli(tmp_path, "introspect", "-", stdin=token)
    assert piped.returncode == 1 and "active: false" in piped.stdout
    assert f"introspecting jti {jti}" in piped.stderr and "read from stdin" in piped.stderr
    new = run_cli(tmp_path, "introspect", "--new")
    assert new.returncode == 0 and "active: true" in new.stdout
    assert "a new token (--new)" in new.stderr and jti not in new.stderr


async def test_the_apps_revoked_token_stays_the_one_introspected(tmp_path, stack):
    """In the app the token stays in hand after `v`: that is the one asked about."""
    from m2m_tui.session.token_status import which_token
    from tests.helpers.sessions import make_session

    session = make_session(tmp_path, stack.issuer, stack.api_url)
    outcome = await session.get_token()
    ok, _ = await session.status.revoke_token()
    assert ok and session.cache.peek(session.profile) is None
    held, where = session.status.held()
    assert held == outcome.access_token and where == "the session's current token"
    answer = await session.status.introspect(held)
    assert answer.ok and answer.body["active"] is False
    assert which_token(held).startswith("jti ")
