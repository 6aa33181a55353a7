"""The shipped `world-mappers` profile: World Mappers' own client, aimed at the bundled
Routes API, following [server] as the other bundled profiles do."""

from __future__ import annotations

import pytest

from m2m_tui.config.file import ConfigError, ServerTable, load_config
from tests.conftest import REPO_CONFIG


def test_world_mappers_is_aimed_at_the_bundled_routes_api():
    config = load_config(REPO_CONFIG)
    profile = config.profiles["world-mappers"]
    assert profile.api_base_url == "http://127.0.0.1:7002"
    assert profile.client_id == "world-mappers-api"
    assert profile.audience == "urn:worldmappers:routes"
    assert config.profiles["local"].api_base_url == "http://127.0.0.1:7001"
    moved = ServerTable(host="::", routes_port=7402)
    assert moved.routes_url(https=True) == "https://127.0.0.1:7402"


def test_bundled_api_names_a_bundled_server(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[profiles.x]\nbundled = true\nclient_id = "a"\nbundled_api = "maps"\n')
    with pytest.raises(ConfigError, match="bundled_api must be one of api, routes"):
        load_config(path)
