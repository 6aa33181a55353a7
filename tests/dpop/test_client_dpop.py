"""The client's DPoP: keys, proofs that the servers accept, nonces, the cache."""

from __future__ import annotations

import time

import jwt
import pytest

from m2m_tui.config.file import ConfigError, load_config
from m2m_tui.oauth.dpop import DpopKeyError, load_or_create_key
from m2m_tui.session.session import Session
from oauth_primitives.rules.closed_sets import DPOP_PROOF
from oauth_primitives.rules.proof_table import ProofPresented, run_proof
from tests.helpers.sessions import write_config

DPOP = "dpop = true\n"


def dpop_session(tmp_path, stack, extra: str = DPOP) -> Session:
    path = write_config(
        tmp_path / "config.toml",
        stack.issuer,
        stack.api_url,
        bound=(
            f'issuer = "{stack.issuer}"\nclient_id = "giftdeliveries"\n'
            f'client_secret = "giftdeliveries-local-secret"\naudience = "urn:worldmappers"\n'
            f'api_base_url = "{stack.api_url}"\n{extra}'
        ),
    )
    return Session.open(load_config(path), tmp_path / "state", "bound")


def test_a_key_is_generated_once_per_profile_private_to_its_owner(tmp_path):
    first = load_or_create_key(tmp_path, "bound", "ES256", None)
    again = load_or_create_key(tmp_path, "bound", "ES256", None)
    assert first.jkt == again.jkt and first.path == again.path
    assert oct(first.path.stat().st_mode & 0o777) == "0o600"
    assert oct(first.path.parent.stat().st_mode & 0o777) == "0o700"
    assert "d" not in first.jwk  # the public half only goes into proofs
    other = load_or_create_key(tmp_path, "other", "ES256", None)
    assert other.jkt != first.jkt


@pytest.mark.parametrize("alg", DPOP_PROOF)
def test_every_algorithm_signs_proofs(tmp_path, alg):
    # Every algorithm the servers take (DPOP_PROOF), the client can sign with too.
    key = load_or_create_key(tmp_path, "p", alg, None)
    proof = key.proof("GET", "http://127.0.0.1:1/api/x?q=1", access_token="t")
    header = jwt.get_unverified_header(proof)
    assert header["typ"] == "dpop+jwt" and header["alg"] == alg
    # The servers' own rules (the rule book's proof table) take the whole proof.
    url = "http://127.0.0.1:1/api/x?q=1"
    assert run_proof(ProofPresented([proof], "GET", url, time.time(), access_token="t")) == ()
    claims = jwt.decode(proof, jwt.PyJWK(header["jwk"]).key, algorithms=[alg])
    assert claims["htu"] == "http://127.0.0.1:1/api/x" and claims["htm"] == "GET"
    assert "ath" in claims


def test_a_key_file_is_used_and_a_mismatched_one_is_named(tmp_path):
    key = load_or_create_key(tmp_path, "p", "ES256", None)
    assert load_or_create_key(tmp_path, "q", "ES256", str(key.path)).jkt == key.jkt
    with pytest.raises(DpopKeyError, match="cannot sign RS256"):
        load_or_create_key(tmp_path, "q", "RS256", str(key.path))
    with pytest.raises(DpopKeyError, match="cannot sign ES384"):  # a P-256 key
        load_or_create_key(tmp_path, "q", "ES384", str(key.path))
    with pytest.raises(DpopKeyError, match="cannot read a PEM private key"):
        load_or_create_key(tmp_path, "q", "ES256", str(tmp_path / "missing.pem"))


def test_a_bad_dpop_alg_is_a_config_error(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        '[profiles.x]\nissuer = "i"\nclient_id = "a"\ndpop = true\ndpop_alg = "HS256"\n'
    )
    with pytest.raises(ConfigError, match="dpop_alg must be one of"):
        load_config(path)


async def test_a_dpop_profile_gets_a_bound_token_and_calls_with_proofs(tmp_path, dpop_stack):
    session = dpop_session(tmp_path, dpop_stack)
    outcome = await session.get_token(force=True)
    assert outcome.ok and outcome.response["token_type"] == "DPoP"
    claims = jwt.decode(outcome.access_token, options={"verify_signature": False})
    assert claims["cnf"]["jkt"] == session.own_jkt()
    assert outcome.exchange.proof["claims"]["htm"] == "POST"
    await session.load_api()
    directions = next(e for e in session.endpoints if e.path == "/api/directions")
    for _ in range(3):  # each call its own proof: no replay refusal
        result = await session.call(directions, {})
        assert result.status == 200, result.exchange.response_text
    assert result.exchange.request_headers["Authorization"] == "DPoP ••••••"
    proof = result.exchange.proof["claims"]
    assert {"htm", "htu", "iat", "jti", "ath"} <= set(proof)


async def test_nonces_are_fetched_retried_and_remembered_per_server(tmp_path, nonce_stack):
    session = dpop_session(tmp_path, nonce_stack)
    outcome = await session.get_token(force=True)
    assert outcome.ok, (outcome.error, outcome.description)
    assert outcome.exchange.proof["claims"]["nonce"]  # the retry carried the nonce
    await session.load_api()
    directions = next(e for e in session.endpoints if e.path == "/api/directions")
    result = await session.call(directions, {})
    assert result.status == 200, result.exchange.response_text
    assert len(session.nonces.nonces) == 2  # one for the authority, one for the API
    again = await session.call(directions, {})  # the remembered nonce: no retry needed
    assert again.status == 200 and again.exchange.proof["claims"]["nonce"]


async def test_bearer_and_dpop_tokens_are_cached_apart(tmp_path, dpop_stack):
    bound = dpop_session(tmp_path, dpop_stack)
    plain = dpop_session(tmp_path, dpop_stack, extra="")
    first = await bound.get_token(force=True)
    second = await plain.get_token()
    assert not second.from_cache and second.response["token_type"] == "Bearer"
    assert (await bound.get_token()).access_token == first.access_token
