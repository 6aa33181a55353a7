"""The servers' own settings: the [server] table of config.toml, checked by the servers."""

from __future__ import annotations

import tomllib

import pytest

from api_server.settings import SettingsError, server_settings
from tests.conftest import REPO_CONFIG


def test_shipped_server_table_holds_the_demo_tenant():
    table = tomllib.loads(REPO_CONFIG.read_text())["server"]
    settings = server_settings(table)
    assert (settings.authority_port, settings.api_port, settings.host) == (7000, 7001, "127.0.0.1")
    rs = settings.resource_servers[0]
    assert rs.identifier == "urn:worldmappers"
    assert [s.value for s in rs.scopes] == [
        "directions",
        "geocode:location",
        "reverse-geocode:location",
    ]
    assert settings.throttle.max_failures == 10 and settings.throttle.address_min_clients == 10
    assert settings.api.dpop_helper
    assert not server_settings({"api": {"dpop_helper": False}}).api.dpop_helper


@pytest.mark.parametrize(
    "text, message",
    [
        ("api_port = true\n", "api_port must be a whole number, not true"),
        ("[[resource_servers]]\nname = 'x'\n", "identifier is required"),
        ("[[resource_servers]]\nname='x'\nidentifier='y'\ntoken_dialect='z'\n", "token_dialect"),
        (
            "[throttle]\nmax_failures = 'ten'\n",
            'max_failures must be a whole number, not the string "ten"',
        ),
        ("api = 3\n", "api must be a table"),
        ("[api]\ndpop_helper = 'yes'\n", "dpop_helper must be true or false"),
    ],
)
def test_mistakes_are_named(text, message):
    with pytest.raises(SettingsError) as info:
        server_settings(tomllib.loads(text), "my.toml")
    assert "my.toml" in str(info.value) and message in str(info.value)
