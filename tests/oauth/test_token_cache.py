"""The token cache never hides a credential the server would refuse: a cached token is
reused only for the same issuer, client, way of authenticating, audience or resource,
scope, organization, DPoP key and credential."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from m2m_tui.config.profile import Profile
from m2m_tui.oauth.token_cache import CREDENTIAL_CHANGED, TokenCache, credential_digest
from tests.conftest import run_cli
from tests.helpers.sessions import write_config

BASE = Profile(
    name="p",
    issuer="https://tenant.example/",
    client_id="robot",
    client_secret="s3cret",
    audience="urn:worldmappers",
)
ANSWER = {"token_type": "Bearer", "expires_in": 3600}


def stored(tmp_path, profile: Profile = BASE) -> TokenCache:
    cache = TokenCache(tmp_path)
    cache.put(profile, "tok", ANSWER, credential_digest(profile, profile.client_secret))
    return cache


@pytest.mark.parametrize(
    "change",
    [
        {"issuer": "https://other.example/"},
        {"client_id": "robot2"},
        {"auth_method": "client_secret_basic"},
        {"audience": "urn:other"},
        {"audience": None, "resource": "urn:worldmappers"},
        {"scope": "directions"},
        {"organization": "acme"},
        {"dpop": True},
    ],
)
def test_another_request_is_another_token(tmp_path, change):
    cache = stored(tmp_path)
    other = replace(BASE, **change)
    assert cache.get(other, credential_digest(other, other.client_secret)) == (None, None)
    assert cache.get(BASE, credential_digest(BASE, "s3cret"))[0].access_token == "tok"


def test_a_changed_secret_passes_the_cached_token_over_and_says_why(tmp_path):
    cache = stored(tmp_path)
    assert cache.get(BASE, credential_digest(BASE, "wrong")) == (None, CREDENTIAL_CHANGED)
    # The secret itself is nowhere in the file.
    assert "s3cret" not in (tmp_path / "token-cache.json").read_text()


def test_a_changed_private_key_passes_the_cached_token_over(tmp_path):
    key = tmp_path / "key.pem"
    key.write_text("one")
    profile = replace(BASE, auth_method="private_key_jwt", private_key_file=str(key))
    cache = stored(tmp_path, profile)
    assert cache.get(profile, credential_digest(profile, None))[0] is not None
    key.write_text("two")
    assert cache.get(profile, credential_digest(profile, None)) == (None, CREDENTIAL_CHANGED)


def test_a_dpop_key_file_replaced_is_another_token(tmp_path):
    key = tmp_path / "dpop.pem"
    key.write_text("one")
    profile = replace(BASE, dpop=True, dpop_key_file=str(key))
    cache = stored(tmp_path, profile)
    assert cache.get(profile, credential_digest(profile, "s3cret"))[0] is not None
    key.write_text("two")
    assert cache.get(profile, credential_digest(profile, "s3cret")) == (None, None)


def test_the_cli_never_serves_a_cached_token_for_a_wrong_secret(tmp_path, stack):
    config = write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    first = run_cli(tmp_path, "token")
    assert first.returncode == 0, first.stderr
    config.write_text(config.read_text().replace("giftdeliveries-local-secret", "mistyped"))
    wrong = run_cli(tmp_path, "token", "--json")
    assert wrong.returncode == 1 and "invalid_client" in wrong.stderr, wrong.stdout
    assert "the cached token was not used" in wrong.stderr and "credential" in wrong.stderr
    # Even with the server down, the mistyped secret gets no token from the cache.
    stack.thread.stop()
    down = run_cli(tmp_path, "token")
    assert down.returncode != 0 and down.stdout == "", down.stdout


def test_a_rotated_secret_gets_a_new_token_and_is_told_so(tmp_path, stack):
    config = write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    old = run_cli(tmp_path, "token").stdout.strip()
    client = stack.admin().post("/clients/giftdeliveries/rotate-secret").json()
    config.write_text(
        config.read_text().replace("giftdeliveries-local-secret", client["client_secret"])
    )
    new = run_cli(tmp_path, "token", "--json")
    assert new.returncode == 0, new.stderr
    body = json.loads(new.stdout)
    assert body["from_cache"] is False and body["access_token"] != old
    assert "the cached token was not used" in new.stderr
    again = json.loads(run_cli(tmp_path, "token", "--json").stdout)
    assert again["from_cache"] is True  # the new secret's token is reused from now on
