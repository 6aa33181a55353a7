"""`m2m-tui exchange` at ts-oauth2-server (`@jmondi/oauth2-server`, npm), a server m2m-tui
did not write: the exchanged token's act chain read and drawn, the server's refusals
diagnosed in its own words, and no token printed unless asked for."""

from __future__ import annotations

import json

from tests.conftest import run_cli
from tests.interop.token_exchange_peer import ROUTES


def test_m2m_tui_exchange_at_the_server(tmp_path, exchange_server):
    """`m2m-tui exchange`: Gift Deliveries' token (the default profile's) exchanged by the
    world-mappers profile's client, the act chain read from the issued token."""
    (tmp_path / "config.toml").write_text(exchange_server.profiles())
    result = run_cli(tmp_path, "exchange", "--as", "world-mappers", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    answer = json.loads(result.stdout)
    issued = answer["issued"]
    assert issued["aud"] == ROUTES and issued["scope"] == "routes:read"
    assert issued["sub"] == "gift-deliveries"
    assert issued["act"] == {"sub": "world-mappers-api"}
    assert issued["act_chain"] == ["world-mappers-api"]
    # ts-oauth2-server 4.3.7 omits issued_token_type (RFC 8693 §2.2.1 requires it); the
    # token is taken all the same, and said to be of no stated type.
    assert "issued_token_type" not in answer and issued["issued_token_type"] is None

    text = run_cli(tmp_path, "exchange", "--as", "world-mappers")
    assert text.returncode == 0, text.stdout + text.stderr
    assert "world-mappers-api" in text.stdout and "gift-deliveries" in text.stdout
    assert "eyJ" not in text.stdout  # the tokens stay unprinted unless asked for

    decoded = run_cli(tmp_path, "--profile", "world-mappers", "decode", answer["access_token"])
    assert decoded.returncode == 0, decoded.stdout + decoded.stderr
    assert "act" in decoded.stdout and "world-mappers-api" in decoded.stdout


def test_m2m_tui_says_why_the_server_refused(tmp_path, exchange_server):
    (tmp_path / "config.toml").write_text(exchange_server.profiles())
    cases = [
        (("--audience", "urn:elsewhere"), "invalid_target", "urn:elsewhere"),
        (("--scope", "geocode:location"), "invalid_scope", "does not carry geocode:location"),
    ]
    for flags, error, words in cases:
        result = run_cli(tmp_path, "exchange", "--as", "world-mappers", *flags)
        assert result.returncode == 1, result.stdout + result.stderr
        assert error in result.stderr and words in result.stderr
        assert "Traceback" not in result.stderr and "eyJ" not in result.stderr
