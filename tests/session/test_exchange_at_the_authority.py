"""The client's token exchange against the bundled authority itself (RFC 8693): Gift
Deliveries' token exchanged by World Mappers' client for the Routes API, and refusals
diagnosed by the token-request diagnosis from the authority's own rule codes."""

from __future__ import annotations

import jwt

from m2m_tui.session.request_diagnosis import diagnose_refusal
from oauth_primitives.token_exchange import read_chain
from oauth_primitives.token_refusals import Refusal
from tests.helpers.sessions import make_session

WORLD_MAPPERS = """issuer = "{issuer}"
client_id = "world-mappers-api"
client_secret = "world-mappers-api-local-secret"
audience = "urn:worldmappers:routes\""""


def session_on(tmp_path, stack):
    acting = WORLD_MAPPERS.format(issuer=stack.issuer)
    return make_session(tmp_path, stack.issuer, stack.api_url, **{"world-mappers": acting})


async def test_gift_deliveries_token_exchanged_by_world_mappers(tmp_path, shared_stack):
    session = session_on(tmp_path, shared_stack)
    subject = await session.get_token()
    outcome = await session.exchanges.exchange("world-mappers")
    assert outcome.ok, (outcome.error, outcome.description)
    claims = jwt.decode(outcome.access_token, options={"verify_signature": False})
    assert claims["sub"] == "giftdeliveries@clients"
    assert claims["aud"] == "urn:worldmappers:routes" and claims["scope"] == "routes:read"
    assert read_chain(claims).actors == ("world-mappers-api@clients",)
    assert outcome.response["issued_token_type"].endswith(":access_token")
    subject_claims = jwt.decode(subject.access_token, options={"verify_signature": False})
    assert claims["exp"] <= subject_claims["exp"]
    assert session.history[-1].subject == 0


async def test_refusals_are_diagnosed_by_the_authoritys_rule(tmp_path, shared_stack):
    session = session_on(tmp_path, shared_stack)
    elsewhere = await session.exchanges.exchange("world-mappers", audience="urn:worldmappers")
    assert elsewhere.error == "invalid_target"
    found = await diagnose_refusal(session, elsewhere)
    assert found.cause is Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED
    forged = await session.exchanges.exchange("world-mappers", "not.a.token")
    assert forged.error == "invalid_request"
    found = await diagnose_refusal(session, forged)
    assert found.cause is Refusal.SUBJECT_TOKEN_INVALID
    # Gift Deliveries' own client may not exchange: no profile lists it.
    own = await session.exchanges.exchange("gift", audience="urn:worldmappers:routes")
    assert own.error == "unauthorized_client"
    assert (await diagnose_refusal(session, own)).cause is Refusal.EXCHANGE_NOT_ALLOWED
