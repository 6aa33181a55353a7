"""The session's token exchange (RFC 8693): the current token exchanged by an acting
profile, its place in the history beside the token it came from, and the export."""

from __future__ import annotations

import json

import jwt
import pytest

from m2m_tui.config.file import load_config
from m2m_tui.session.history import HistoryEntry
from m2m_tui.session.history_export import entry_dict, export_history
from m2m_tui.session.request_diagnosis import diagnose_refusal
from m2m_tui.session.session import Session
from oauth_primitives.token_exchange import read_chain
from oauth_primitives.token_refusals import Refusal
from tests.helpers.fake_exchange import FakeExchangeServer, exchange_config


@pytest.fixture
def server():
    fake = FakeExchangeServer()
    yield fake
    fake.stop()


def open_session(tmp_path, issuer: str) -> Session:
    (tmp_path / "config.toml").write_text(exchange_config(issuer))
    return Session.open(load_config(tmp_path / "config.toml"), tmp_path / "state")


async def test_the_current_token_exchanged_joins_the_history_linked_to_its_subject(
    tmp_path, server
):
    session = open_session(tmp_path, server.issuer)
    first = await session.get_token()
    outcome = await session.exchanges.exchange("world-mappers")
    assert outcome.ok
    claims = jwt.decode(outcome.access_token, options={"verify_signature": False})
    assert claims["sub"] == "giftdeliveries@clients" and claims["aud"] == "urn:worldmappers:routes"
    assert read_chain(claims).actors == ("world-mappers-api@clients",)
    # The session's own token stays the one for its API.
    assert session.token == first.access_token
    entry = session.history[-1]
    assert entry.kind == "exchange" and entry.subject == 0
    assert "exchanged from #1" in entry.summary and entry.status == "200"
    exported = export_history(list(session.history), tmp_path / "state")
    document = json.loads(exported.read_text())
    assert document["entries"][-1]["exchanged_from"] == 1
    assert "exchanged_from" not in document["entries"][0]
    text = exported.read_text()
    assert first.access_token not in text and outcome.access_token not in text
    assert "subject_token" in text  # shown as a field, its value masked


async def test_with_no_token_yet_one_is_obtained_then_exchanged(tmp_path, server):
    session = open_session(tmp_path, server.issuer)
    outcome = await session.exchanges.exchange("world-mappers", actor_from="robot")
    assert outcome.ok
    claims = jwt.decode(outcome.access_token, options={"verify_signature": False})
    assert read_chain(claims).actors == ("robot@clients",)  # the actor token's sub
    assert [e.kind for e in session.history] == ["token", "exchange"]
    assert session.history[-1].subject == 0


async def test_an_unknown_acting_profile_is_said_with_the_known_ones(tmp_path, server):
    session = open_session(tmp_path, server.issuer)
    outcome = await session.exchanges.exchange("nobody", "a.b.c")
    assert outcome.error == "configuration"
    assert "nobody" in outcome.description and "world-mappers" in outcome.description
    assert server.forms == []  # nothing was sent


async def test_a_refused_exchange_is_diagnosed_as_a_token_request(tmp_path, server):
    session = open_session(tmp_path, server.issuer)
    outcome = await session.exchanges.exchange("world-mappers", audience="urn:elsewhere")
    assert outcome.error == "invalid_target"
    found = await diagnose_refusal(session, outcome)
    assert found is not None
    assert found.cause is Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED
    assert found.sent.asked["audience"] == "urn:elsewhere"
    assert found.answer.error == "invalid_target"


def test_an_entry_of_an_older_session_exports_without_a_link():
    old = HistoryEntry(0.0, "token", "giftdeliveries → urn:worldmappers", "200")
    assert "exchanged_from" not in entry_dict(old)
