"""Explaining one refusal does the work once: the token is parsed once, the checks run
once, and the documents the inspector already fetched (the issuer's JWKS, the API's
RFC 9728 metadata) are not fetched again within their max-age."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

import m2m_tui.tokens.decoded as decoded_module
from m2m_tui.diagnosis import token_checks
from m2m_tui.session.session import Session
from tests.helpers.sessions import make_session


@pytest.fixture
def counted(monkeypatch):
    """What the session parses and fetches, counted where it happens: every parse of a
    token, every run of the checks, every HTTP request the session's clients send
    (the servers in this process fetch with clients of their own, not counted)."""
    counts: Counter = Counter()
    real_jws = decoded_module.jws

    class CountingJws:
        """The rule book's form parser as the client's decoder calls it, counted per
        token (by its payload: the Management API's token is parsed too)."""

        def __getattr__(self, name):
            return getattr(real_jws, name)

        @staticmethod
        def parse(token, *args, **kwargs):
            parts = token.split(".")
            if len(parts) == 3:
                counts["parses", parts[1]] += 1
            return real_jws.parse(token, *args, **kwargs)

    # Only the client's decoder: the servers in this process parse with their own name.
    monkeypatch.setattr(decoded_module, "jws", CountingJws())
    real_run_checks = token_checks.run_checks

    def run_checks(*args, **kwargs):
        counts["check runs"] += 1
        return real_run_checks(*args, **kwargs)

    monkeypatch.setattr("m2m_tui.session.explainer.run_checks", run_checks)

    async def count(request: httpx.Request) -> None:
        path = request.url.path
        if path.endswith("jwks.json"):
            kind = "jwks"
        elif "openid-configuration" in path or "oauth-authorization-server" in path:
            kind = "discovery"
        elif "oauth-protected-resource" in path:
            kind = "metadata"
        elif "/api/v2/" in path or path.endswith("/oauth/token"):
            kind = "management"
        else:
            kind = path
        counts[kind] += 1

    real_client = Session.client

    def client(self, certificate: bool = True):
        made = real_client(self, certificate)
        made.event_hooks = {"request": [count], "response": []}
        return made

    monkeypatch.setattr(Session, "client", client)
    return counts


async def test_one_403_parses_once_and_fetches_nothing_the_inspector_holds(
    tmp_path, stack, counted
):
    session = make_session(tmp_path, stack.issuer, stack.api_url)
    await session.load_api()
    outcome = await session.get_token()
    assert outcome.ok
    inspection = await session.explainer.inspect(session.token)
    assert inspection.signature is not None and inspection.signature.ok
    geocode = next(e for e in session.endpoints if e.scope == "geocode:location")
    counted.clear()

    diagnosis, result = await session.explainer.diagnose(
        session.token, geocode, {"address": "Paris"}, kind="why"
    )

    assert result.status == 403 and diagnosis.failed == ["scope"]
    assert "Gift Deliveries" in diagnosis.checks[-1].fix  # the client's name, looked up first
    payload = session.token.split(".")[1]
    assert counted["parses", payload] == 1
    assert counted["check runs"] == 1
    assert counted["jwks"] == counted["discovery"] == counted["metadata"] == 0
    assert counted[geocode.path] == 1, counted
    first_lookup = counted["management"]
    assert first_lookup >= 1  # a Management API token and the client's record

    counted.clear()
    diagnosis, _ = await session.explainer.diagnose(session.token, geocode, {"address": "Paris"})
    assert diagnosis.failed == ["scope"] and "Gift Deliveries" in diagnosis.checks[-1].fix
    assert counted["parses", payload] == 1 and counted["check runs"] == 1
    assert counted["management"] == 0  # the name is asked once per client
    assert counted["jwks"] == counted["discovery"] == counted["metadata"] == 0


async def test_a_document_past_its_max_age_is_fetched_again(tmp_path, stack, counted):
    """The reuse is bounded by the server's own max-age, not kept for ever."""
    clock = [0.0]
    config = make_session(tmp_path, stack.issuer, stack.api_url).config
    session = Session.open(config, tmp_path / "state", clock=lambda: clock[0])
    await session.load_api()
    await session.get_token()
    await session.explainer.inspect(session.token)
    geocode = next(e for e in session.endpoints if e.scope == "geocode:location")
    clock[0] += 3600  # past the JWKS's (5 s) and the metadata's (60 s) max-age
    counted.clear()
    await session.explainer.diagnose(session.token, geocode, {"address": "Paris"})
    assert counted["jwks"] == 1 and counted["metadata"] == 1
