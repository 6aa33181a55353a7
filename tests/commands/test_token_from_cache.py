"""`m2m-tui token` with a token in the cache: a credential that cannot be had is still an
error (the cache never stands in for it), and `expires_in` is the time left."""

from __future__ import annotations

import json
import time

from m2m_tui.config.profiles import missing_credential
from tests.conftest import run_cli
from tests.helpers.sessions import make_session, write_config


def test_an_unset_secret_variable_is_an_error_even_with_a_cached_token(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    first = run_cli(tmp_path, "token")
    assert first.returncode == 0, first.stderr
    result = run_cli(tmp_path, "token", "--client-secret-env", "NOPE_UNSET", "--json")
    assert result.returncode == 2
    assert result.stdout == ""  # no token, cached or not
    assert "NOPE_UNSET is not set" in result.stderr
    assert "hint: export NOPE_UNSET=" in result.stderr
    # The profile's own secret still serves the cached token.
    again = run_cli(tmp_path, "token", "--json")
    assert json.loads(again.stdout)["from_cache"] is True


def test_a_profile_whose_variable_is_gone_gets_no_cached_token(tmp_path, shared_stack):
    env_profile = (
        f'issuer = "{shared_stack.issuer}"\nclient_id = "giftdeliveries"\n'
        'client_secret_env = "GIFT_SECRET_FOR_TEST"\naudience = "urn:worldmappers"'
    )
    write_config(
        tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url, envy=env_profile
    )
    secret = {"GIFT_SECRET_FOR_TEST": "giftdeliveries-local-secret"}
    first = run_cli(tmp_path, "token", "--profile", "envy", env=secret)
    assert first.returncode == 0, first.stderr
    gone = run_cli(tmp_path, "token", "--profile", "envy", "--json")
    assert gone.returncode == 2 and gone.stdout == ""
    assert "GIFT_SECRET_FOR_TEST is not set" in gone.stderr


async def test_the_session_says_so_too_before_its_cache(tmp_path, shared_stack, monkeypatch):
    """`call`, `diagnose` and the app get their token from the session: the same rule."""
    env_profile = (
        f'issuer = "{shared_stack.issuer}"\nclient_id = "giftdeliveries"\n'
        'client_secret_env = "GIFT_SECRET_FOR_TEST"\naudience = "urn:worldmappers"'
    )
    envy = make_session(tmp_path, shared_stack.issuer, shared_stack.api_url, envy=env_profile)
    envy.switch("envy")
    monkeypatch.setenv("GIFT_SECRET_FOR_TEST", "giftdeliveries-local-secret")
    assert (await envy.get_token()).ok
    assert (await envy.get_token()).from_cache
    monkeypatch.delenv("GIFT_SECRET_FOR_TEST")
    outcome = await envy.get_token()
    assert not outcome.ok and outcome.error == "configuration"
    assert "GIFT_SECRET_FOR_TEST is not set" in outcome.description


def test_key_and_certificate_files_that_are_gone_are_named(tmp_path):
    from dataclasses import replace

    from m2m_tui.config.profile import Profile

    base = Profile(name="p", issuer="https://i/", client_id="c")
    key = replace(base, auth_method="private_key_jwt", private_key_file=str(tmp_path / "k.pem"))
    assert "private_key_file" in missing_credential(key) and "does not exist" in (
        missing_credential(key)
    )
    (tmp_path / "k.pem").write_text("a key")
    assert missing_credential(key) is None
    tls = replace(
        base,
        auth_method="tls_client_auth",
        client_certificate=str(tmp_path / "c.pem"),
        client_key=str(tmp_path / "k.pem"),
    )
    assert "client_certificate" in missing_credential(tls)
    prompt = replace(base, client_secret_prompt=True)
    assert missing_credential(prompt) is None  # asked for at run time, not missing


def test_a_cached_tokens_expires_in_is_the_time_left(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    new = json.loads(run_cli(tmp_path, "token", "--json").stdout)
    assert new["from_cache"] is False and new["expires_in"] == 86400
    # The token was obtained an hour ago, as far as the cache knows.
    path = tmp_path / "state" / "token-cache.json"
    entries = json.loads(path.read_text())
    for entry in entries.values():
        entry["obtained_at"] -= 3600
        entry["expires_at"] -= 3600
    path.write_text(json.dumps(entries))
    cached = json.loads(run_cli(tmp_path, "token", "--json").stdout)
    assert cached["from_cache"] is True
    left = cached["expires_at"] - time.time()
    assert 86400 - 3600 - 60 < cached["expires_in"] <= 86400 - 3600
    assert abs(cached["expires_in"] - left) <= 2
