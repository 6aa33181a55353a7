"""config.toml: the shipped file, and the messages a mistake gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from m2m_tui.config.file import (
    ConfigError,
    default_config_text,
    load_config,
    parse_config,
    resolve_config_path,
)
from tests.conftest import REPO_CONFIG


def test_the_packaged_default_is_the_repository_config():
    # One shipped default: the checkout's config.toml must not drift from the wheel's.
    assert default_config_text() == REPO_CONFIG.read_text(encoding="utf-8")


def test_shipped_config_holds_the_demo_tenant():
    config = load_config(REPO_CONFIG)
    assert config.default_profile == "local"
    assert config.profiles["local"].client_id == "giftdeliveries"
    assert config.server.authority_port == 7000 and config.server.api_port == 7001
    assert config.server.web_port == 7010
    assert config.server.host == "127.0.0.1"
    assert config.server.table["resource_servers"][0]["identifier"] == "urn:worldmappers"


def test_moved_ports_leave_no_comment_naming_the_old_ones():
    """The ports are settings a user (the demo, the tests) changes: what the file says
    about them must stay true with any values, so no comment names a port number."""
    text = default_config_text()
    moved = (
        text.replace("authority_port = 7000", "authority_port = 8100")
        .replace("api_port = 7001", "api_port = 8101")
        .replace("web_port = 7010", "web_port = 8110")
    )
    server = moved.split("\n[server]\n", 1)[1].split("\n[server.throttle]", 1)[0]
    assert [
        line for line in server.splitlines() if any(p in line for p in ("7000", "7001", "7010"))
    ] == []
    config = parse_config(moved, Path("moved.toml"))
    assert config.server.web_port == 8110
    assert config.profiles["local"].issuer == "http://127.0.0.1:8100/"


def test_bundled_https_follows_the_moved_ports_over_tls():
    """`bundled = "https"`: the bundled servers after `serve --tls`, on [server]'s ports."""
    text = default_config_text().replace("authority_port = 7000", "authority_port = 8100")
    text = text.replace("api_port = 7001", "api_port = 8101")
    text += '\n[profiles.tls]\nbundled = "https"\nclient_id = "giftdeliveries"\n'
    config = parse_config(text, Path("moved.toml"))
    tls = config.profiles["tls"]
    assert (tls.issuer, tls.api_base_url) == ("https://127.0.0.1:8100/", "https://127.0.0.1:8101")
    assert tls.bundled == "https"
    local = config.profiles["local"]  # bundled = true stays plain HTTP
    assert (local.issuer, local.api_base_url) == ("http://127.0.0.1:8100/", "http://127.0.0.1:8101")


def test_config_path_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("M2M_TUI_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert resolve_config_path(None) == tmp_path / "xdg" / "m2m-tui" / "config.toml"
    monkeypatch.setenv("M2M_TUI_CONFIG", str(tmp_path / "env.toml"))
    assert resolve_config_path(None) == tmp_path / "env.toml"
    assert resolve_config_path(str(tmp_path / "flag.toml")) == tmp_path / "flag.toml"


@pytest.mark.parametrize(
    "text, message",
    [
        ("[server\n", "line 1"),
        ("default_profile = 'nope'\n", "names no [profiles.nope]"),
        ("[profiles.x]\nclient_id = 'a'\n", "issuer is required"),
        (
            "[profiles.x]\nissuer = 'i'\nclient_id = 'a'\ncolour = 'red'\n",
            '[profiles.x] has no key "colour" (it takes: ',
        ),
        ("[profiles.x]\nissuer = 'i'\nclient_id = 'a'\nauth_method = 'magic'\n", "auth_method"),
        ("[server]\napi_port = true\n", "api_port must be a whole number, not true"),
        (
            "[profiles.x]\nissuer = 'i'\nclient_id = 'a'\ntimeout = '10'\n",
            'timeout must be a number, not the string "10"',
        ),
        (
            "[profiles.x]\nissuer = 'i'\nclent_id = 'a'\n",
            '[profiles.x] has no key "clent_id"; did you mean "client_id"?',
        ),
        (
            "[profiles.x]\nissuer = 'i'\nclient_id = 'a'\ndpop = 'yes'\n",
            'dpop must be true or false, not the string "yes"',
        ),
        (
            "[profiles.x]\nbundled = 'htps'\nclient_id = 'a'\n",
            'bundled must be true, false or "https" (the bundled server over TLS, `m2m-tui '
            'serve --tls both`), not the string "htps"',
        ),
        (
            "[profiles.x]\nbundled = 1\nclient_id = 'a'\n",
            'bundled must be true, false or "https" (the bundled server over TLS, `m2m-tui '
            "serve --tls both`), not the number 1",
        ),
        (
            "[profiles.x]\nbundled = 'https'\nissuer = 'https://127.0.0.1:7000/'\n"
            "client_id = 'a'\n",
            'bundled = "https" takes issuer from [server]',
        ),
    ],
)
def test_mistakes_are_named(text, message):
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("my.toml"))
    assert "my.toml" in str(info.value) and message in str(info.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "absent.toml")


def test_client_secret_jwt_is_an_auth_method_a_profile_may_name():
    config = parse_config(
        "[profiles.x]\nissuer = 'i'\nclient_id = 'a'\nclient_secret_env = 'S'\n"
        "auth_method = 'client_secret_jwt'\n",
        Path("my.toml"),
    )
    assert config.profiles["x"].auth_method == "client_secret_jwt"
    with pytest.raises(ConfigError, match="client_secret_jwt"):  # listed among the choices
        parse_config("[profiles.x]\nissuer = 'i'\nclient_id = 'a'\nauth_method = 'hs'\n", Path("c"))
