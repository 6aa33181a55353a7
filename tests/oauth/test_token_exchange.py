"""The RFC 8693 request the client sends, and what it shows of it: against a small fake
token endpoint that takes the exchange as the bundled authority's contract says."""

from __future__ import annotations

import jwt
import pytest

from m2m_tui.config.profile import Profile
from m2m_tui.oauth.token_exchange import ExchangeAsk, exchange_request, exchange_token, is_exchange
from m2m_tui.oauth.token_request import TokenRequest, request_token
from m2m_tui.transcript import MASK
from oauth_primitives.token_exchange import GRANT_TYPE, read_chain
from tests.helpers.fake_exchange import FakeExchangeServer


@pytest.fixture
def server():
    fake = FakeExchangeServer()
    yield fake
    fake.stop()


def profile(issuer: str, client_id: str, secret: str, audience: str) -> Profile:
    return Profile(
        name=client_id, issuer=issuer, client_id=client_id, client_secret=secret, audience=audience
    )


async def gift_token(issuer: str) -> str:
    gift = profile(issuer, "giftdeliveries", "giftdeliveries-local-secret", "urn:worldmappers")
    outcome = await request_token(TokenRequest.for_profile(gift, gift.client_secret))
    assert outcome.ok
    return outcome.access_token


async def test_the_exchange_is_sent_as_rfc_8693_says_and_its_token_names_the_actor(server):
    subject = await gift_token(server.issuer)
    acting = profile(
        server.issuer,
        "world-mappers-api",
        "world-mappers-api-local-secret",
        "urn:worldmappers:routes",
    )
    request = exchange_request(
        acting, acting.client_secret, server.issuer + "oauth/token", ExchangeAsk(subject)
    )
    outcome = await exchange_token(request)
    assert outcome.ok and is_exchange(outcome)
    form = server.forms[-1]
    assert form["grant_type"] == GRANT_TYPE and form["subject_token"] == subject
    assert form["subject_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    # The target is the acting profile's own audience when none is named.
    assert form["audience"] == "urn:worldmappers:routes"
    assert form["client_id"] == "world-mappers-api" and "actor_token" not in form
    claims = jwt.decode(outcome.access_token, options={"verify_signature": False})
    assert read_chain(claims).actors == ("world-mappers-api@clients",)
    assert outcome.response["issued_token_type"].endswith(":access_token")
    # What was sent, as shown and diagnosed: the token types, never the tokens.
    assert outcome.sent.asked["subject_token_type"].endswith(":access_token")
    assert outcome.exchange.request_body["subject_token"] == MASK
    assert outcome.exchange.request_body["client_secret"] == MASK
    assert subject not in repr(outcome.sent) and subject not in repr(ExchangeAsk(subject))


async def test_an_actor_token_goes_with_its_type_and_a_refusal_keeps_its_rule(server):
    subject = await gift_token(server.issuer)
    acting = profile(
        server.issuer,
        "world-mappers-api",
        "world-mappers-api-local-secret",
        "urn:worldmappers:routes",
    )
    ask = ExchangeAsk(subject, audience="urn:elsewhere", actor_token=subject, scope="routes:read")
    outcome = await exchange_token(
        exchange_request(acting, acting.client_secret, server.issuer + "oauth/token", ask)
    )
    form = server.forms[-1]
    assert form["actor_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    assert form["audience"] == "urn:elsewhere" and form["scope"] == "routes:read"
    assert not outcome.ok and outcome.error == "invalid_target"
    assert outcome.response["rule"] == "exchange_audience_not_allowed"
    assert outcome.sent is not None and outcome.exchange.request_body["actor_token"] == MASK
