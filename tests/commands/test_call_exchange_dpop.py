"""`call --exchange-as P` where P's client uses DPoP (RFC 9449), through the real servers:
the exchange is proved with P's key, so the exchanged token is bound to it, and the call
proves with P's key too: the acting client holds the token, never the subject's client."""

from __future__ import annotations

import json

import jwt
import pytest

from m2m_tui.oauth.dpop import load_or_create_key
from tests.conftest import repo_settings, run_cli, start_stack
from tests.helpers.sessions import write_config

WORLDMAPPERS = "urn:worldmappers"


@pytest.fixture
def stack(tmp_path):
    """World Mappers' own client may also act for a caller of World Mappers' API (an API
    that checks DPoP proofs), by a token exchange profile and a grant made here."""
    running = start_stack(tmp_path / "server", repo_settings())
    admin = running.admin()
    grant = {"client_id": "world-mappers-api", "audience": WORLDMAPPERS, "scope": ["directions"]}
    assert admin.post("/client-grants", json=grant).status_code == 201
    profile = {
        "name": "World Mappers acting at World Mappers",
        "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
        "type": "custom_authentication",
        "client_ids": ["world-mappers-api"],
        "audiences": [WORLDMAPPERS],
        "scope_map": {"directions": ["directions"]},
    }
    assert admin.post("/token-exchange-profiles", json=profile).status_code == 201
    acting = "\n".join(
        [
            f'issuer = "{running.issuer}"',
            'client_id = "world-mappers-api"',
            'client_secret = "world-mappers-api-local-secret"',
            f'audience = "{WORLDMAPPERS}"',
            f'api_base_url = "{running.api_url}"',
            "dpop = true",
        ]
    )
    write_config(tmp_path / "config.toml", running.issuer, running.api_url, acting=acting)
    yield running
    running.thread.stop()


def test_the_exchange_is_bound_to_the_acting_key_and_the_call_proves_with_it(tmp_path, stack):
    done = run_cli(tmp_path, "call", "/api/directions", "--exchange-as", "acting", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["status"] == 200 and isinstance(out["body"], list)
    token = run_cli(tmp_path, "exchange", "--as", "acting", "--token-only").stdout.strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    acting_key = load_or_create_key(tmp_path / "state", "acting", "ES256", None)
    assert claims["cnf"] == {"jkt": acting_key.jkt}
    assert claims["act"] == {"sub": "world-mappers-api@clients"}
    # Gift Deliveries' own profile has no DPoP key: none was made for it.
    keys = sorted(p.name for p in (tmp_path / "state" / "dpop-keys").iterdir())
    assert keys == ["acting-ES256.pem"]
