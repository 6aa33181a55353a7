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
