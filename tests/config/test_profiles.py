"""Profiles: selection, the original sample's variables, secrets from where they live."""

from __future__ import annotations

from dataclasses import replace

import pytest

from m2m_tui.config.file import ConfigError, load_config
from m2m_tui.config.profiles import (
    SecretUnavailable,
    apply_sample_env,
    normalise_issuer,
    resolve_secret,
    select_profile,
)
from tests.conftest import REPO_CONFIG


def test_default_profile_and_unknown_names(monkeypatch):
    for name in ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "RESOURCE_SERVER"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(REPO_CONFIG)
    assert select_profile(config).name == "local"
    assert select_profile(config, "local-admin").client_id == "m2m-admin"
    with pytest.raises(ConfigError, match="no profile named 'nope'"):
        select_profile(config, "nope")


def test_an_auth0_domain_is_enough():
    assert normalise_issuer("tenant.eu.auth0.com") == "https://tenant.eu.auth0.com/"
    assert normalise_issuer("http://127.0.0.1:7000/") == "http://127.0.0.1:7000/"


def test_sample_environment_overrides_the_profile():
    base = load_config(REPO_CONFIG).profiles["local"]
    env = {
        "AUTH0_DOMAIN": "acme.auth0.com",
        "AUTH0_CLIENT_ID": "abc",
        "AUTH0_CLIENT_SECRET": "s3cret",
        "RESOURCE_SERVER": "urn:other",
    }
    profile = apply_sample_env(base, env)
    assert profile.issuer == "https://acme.auth0.com/"
    assert (profile.client_id, profile.audience) == ("abc", "urn:other")
    # The secret is referenced, not copied into the profile.
    assert profile.client_secret is None and profile.client_secret_env == "AUTH0_CLIENT_SECRET"


def test_secret_sources(monkeypatch):
    base = load_config(REPO_CONFIG).profiles["local"]
    assert resolve_secret(base) == "giftdeliveries-local-secret"
    from_env = replace(base, client_secret=None, client_secret_env="MY_SECRET")
    monkeypatch.delenv("MY_SECRET", raising=False)
    with pytest.raises(SecretUnavailable, match="MY_SECRET is not set"):
        resolve_secret(from_env)
    monkeypatch.setenv("MY_SECRET", "from-env")
    assert resolve_secret(from_env) == "from-env"
    prompt = replace(base, client_secret=None, client_secret_prompt=True)
    with pytest.raises(SecretUnavailable):
        resolve_secret(prompt)
    assert resolve_secret(prompt, "typed") == "typed"


def test_bundled_profiles_follow_server_from_one_setting(tmp_path):
    from m2m_tui.config.file import parse_config

    config = parse_config(
        "[profiles.local]\nbundled = true\nclient_id = 'c'\naudience = 'urn:worldmappers'\n"
        "[profiles.admin]\nbundled = true\nclient_id = 'm'\naudience = '{issuer}api/v2/'\n"
        "[server]\nauthority_port = 7100\napi_port = 7101\n",
        tmp_path / "config.toml",
    )
    local, admin = config.profiles["local"], config.profiles["admin"]
    assert (
        local.issuer == "http://127.0.0.1:7100/" and local.api_base_url == "http://127.0.0.1:7101"
    )
    assert admin.issuer == "http://127.0.0.1:7100/"
    assert admin.audience == "http://127.0.0.1:7100/api/v2/"


def test_a_bundled_profile_with_its_own_issuer_is_named(tmp_path):
    import pytest

    from m2m_tui.config.file import ConfigError, parse_config

    with pytest.raises(ConfigError) as info:
        parse_config(
            "[profiles.local]\nbundled = true\nissuer = 'http://127.0.0.1:7000/'\n"
            "client_id = 'c'\n",
            tmp_path / "config.toml",
        )
    assert "bundled = true takes issuer from [server]" in str(info.value)
    assert "remove issuer here" in str(info.value)


def test_a_profile_left_behind_by_a_moved_server_names_the_setting(tmp_path):
    from tests.conftest import free_port, run_cli

    dead = free_port()  # nothing listens here
    (tmp_path / "config.toml").write_text(
        f"[profiles.old]\nissuer = 'http://127.0.0.1:{dead}/'\nclient_id = 'giftdeliveries'\n"
        "client_secret = 's'\naudience = 'urn:worldmappers'\n"
        f"[server]\nauthority_port = {dead + 1}\n"
    )
    result = run_cli(tmp_path, "token")
    assert result.returncode == 3 and "cannot connect" in result.stderr
    assert "Is the authorization server running?" in result.stderr
    assert f"If it is the bundled server: it is not on port {dead}" in result.stderr
    assert f"authority_port = {dead + 1}" in result.stderr
    assert "Set bundled = true in profile old" in result.stderr


def test_a_client_secret_jwt_profile_has_its_secret_where_the_profile_says(monkeypatch):
    """Its secret signs the assertion, so it is resolved as a sent one is (never None, as
    for a private key or a certificate), and a missing one is named."""
    from m2m_tui.config.profiles import credential_hint, missing_credential

    base = load_config(REPO_CONFIG).profiles["local"]
    hmac = replace(base, auth_method="client_secret_jwt", client_secret=None)
    hmac = replace(hmac, client_secret_env="HMAC_SECRET")
    monkeypatch.delenv("HMAC_SECRET", raising=False)
    assert "HMAC_SECRET is not set" in missing_credential(hmac)
    assert credential_hint(hmac).startswith("export HMAC_SECRET=")
    monkeypatch.setenv("HMAC_SECRET", "signing-secret")
    assert resolve_secret(hmac) == "signing-secret" and missing_credential(hmac) is None
