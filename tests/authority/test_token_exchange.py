"""The token exchange grant (RFC 8693) at the bundled authority, through its real token
endpoint: what an exchanged token carries, each refusal's code, `may_act`, and subject
tokens of another issuer, trusted by a profile or not."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from api_server.authority.models import Client
from oauth_primitives.rules.exchange import EXCHANGE, Exchange, exchange_refusal
from oauth_primitives.token_exchange import GRANT_TYPE, MAX_CHAIN, TokenType, read_chain
from oauth_primitives.token_refusals import EXCHANGE_REFUSALS, Refusal
from tests.conftest import ADMIN, GIFT, _http, claims, signed
from tests.helpers.exchanges import ACCESS, ROUTES, WMAPI, exchange, issued
from tests.helpers.exchanges import trust as _trust


def ours(stack, **extra) -> str:
    """A Gift Deliveries token signed by the authority's key, with the claims given."""
    return signed(stack, claims(stack, jti=uuid.uuid4().hex, **extra))


def test_an_exchanged_token_speaks_for_the_subject_and_names_the_actor(shared_stack):
    stack = shared_stack
    subject = stack.token()  # Gift Deliveries' token for World Mappers, scope directions
    response = exchange(stack, subject)
    body = response.json()
    assert body["issued_token_type"] == ACCESS
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "routes:read"  # mapped from directions by the seeded profile
    token = issued(response)
    assert token["iss"] == stack.issuer
    assert token["sub"] == "giftdeliveries@clients"
    assert token["aud"] == ROUTES
    assert token["scope"] == "routes:read"
    assert token["azp"] == "world-mappers-api"
    assert token["act"] == {"sub": "world-mappers-api@clients"}
    assert "gty" not in token  # not a client_credentials token
    assert 0 < body["expires_in"] <= 3600  # the Routes API's token lifetime
    # It verifies with the authority's published keys.
    keys = jwt.PyJWKClient(stack.issuer + ".well-known/jwks.json")
    key = keys.get_signing_key_from_jwt(body["access_token"])
    jwt.decode(body["access_token"], key.key, ["RS256"], audience=ROUTES)


def test_the_exchanged_token_never_outlives_its_subject(shared_stack):
    exp = int(time.time()) + 90
    token = issued(exchange(shared_stack, ours(shared_stack, exp=exp)))
    assert token["exp"] == exp


def test_requested_token_type_jwt_is_issued_as_such(shared_stack):
    jwt_type = TokenType.JWT.value
    response = exchange(shared_stack, shared_stack.token(), requested_token_type=jwt_type)
    assert response.json()["issued_token_type"] == jwt_type


def test_may_act_naming_the_actor_is_honoured(shared_stack):
    subject = ours(shared_stack, may_act={"sub": "world-mappers-api@clients"})
    assert issued(exchange(shared_stack, subject))["act"] == {"sub": "world-mappers-api@clients"}


def test_a_chain_of_two_exchanges_nests_the_act(stack):
    """Gift Deliveries → World Mappers → Routes API → a Maps worker: the second exchange's
    token names the worker, and World Mappers nested under it."""
    tenant = stack.authority.tenant
    worker = Client("maps-worker", "Maps Worker")
    tenant.set_secret(worker, "maps-worker-secret")
    tenant.clients.save(worker)
    tenant.grants.create("maps-worker", ROUTES, ["routes:read"])
    tenant.exchange_profiles.create(
        name="Routes API onwards",
        subject_token_type=ACCESS,
        client_ids=["maps-worker"],
        audiences=[ROUTES],
    )
    first = exchange(stack, stack.token()).json()["access_token"]
    second = issued(exchange(stack, first, client=("maps-worker", "maps-worker-secret")))
    assert second["sub"] == "giftdeliveries@clients"
    assert second["act"] == {
        "sub": "maps-worker@clients",
        "act": {"sub": "world-mappers-api@clients"},
    }
    assert second["scope"] == "routes:read"


def test_an_actor_token_of_the_acting_client_names_the_actor(shared_stack):
    actor = shared_stack.token(client=WMAPI, audience=ROUTES)  # World Mappers' own token
    token = issued(
        exchange(shared_stack, ours(shared_stack), actor_token=actor, actor_token_type=ACCESS)
    )
    assert token["act"] == {"sub": "world-mappers-api@clients"}


def test_the_subject_token_sent_as_the_actor_token_is_refused(shared_stack):
    """World Mappers may not name Gift Deliveries as the actor by sending its token twice."""
    subject = shared_stack.token()
    body = exchange(shared_stack, subject, actor_token=subject, actor_token_type=ACCESS).json()
    assert body["rule"] == "actor_token_invalid"
    assert (
        "issued to giftdeliveries, not to the acting client world-mappers-api"
        in (body["error_description"])
    )


def test_a_rogue_client_cannot_act_as_world_mappers_by_its_token(stack):
    """A client the policy lets exchange, holding a token of World Mappers', cannot pass
    it as its actor_token to be named World Mappers in `act` (and in may_act's check)."""
    tenant = stack.authority.tenant
    rogue = Client("rogue", "Rogue")
    tenant.set_secret(rogue, "rogue-secret")
    tenant.clients.save(rogue)
    tenant.grants.create("rogue", ROUTES, ["routes:read"])
    tenant.exchange_profiles.create(
        name="Rogue to Routes API", subject_token_type=ACCESS, client_ids=["rogue"],
        audiences=[ROUTES], scope_map={"routes:read": ["directions"]},
    )  # fmt: skip
    stolen = stack.token(client=WMAPI, audience=ROUTES)
    subject = ours(stack, may_act={"sub": "world-mappers-api@clients"})
    response = exchange(
        stack, subject, client=("rogue", "rogue-secret"), actor_token=stolen,
        actor_token_type=ACCESS,
    )  # fmt: skip
    body = response.json()
    assert (response.status_code, body["error"], body["rule"]) == (
        400, "invalid_request", "actor_token_invalid",
    )  # fmt: skip
    assert "not to the acting client rogue" in body["error_description"]


def _revoked(stack) -> str:
    token = stack.token()
    body = {"token": token, "client_id": GIFT[0], "client_secret": GIFT[1]}
    assert _http().post(stack.issuer + "oauth/revoke", data=body).status_code == 200
    return token


# Each refusal code, the request that meets it, its RFC 8693 §2.2.2 error, and a word of
# its description.
CASES = {
    Refusal.EXCHANGE_PARAMETER_MISSING: (
        lambda s: exchange(s, None),
        "invalid_request",
        "subject_token",
    ),
    Refusal.EXCHANGE_TOKEN_TYPE_UNSUPPORTED: (
        lambda s: exchange(s, s.token(), subject_token_type=TokenType.SAML2.value),
        "invalid_request",
        "saml2",
    ),
    Refusal.EXCHANGE_NOT_ALLOWED: (
        lambda s: exchange(s, s.token(), client=GIFT),
        "unauthorized_client",
        "giftdeliveries",
    ),
    Refusal.SUBJECT_TOKEN_INVALID: (
        lambda s: exchange(s, _revoked(s)),
        "invalid_request",
        "revoked",
    ),
    Refusal.SUBJECT_TOKEN_EXPIRED: (
        lambda s: exchange(s, ours(s, exp=int(time.time()) - 3600)),
        "invalid_request",
        "expired",
    ),
    Refusal.SUBJECT_TOKEN_UNTRUSTED: (
        lambda s: exchange(s, ours(s, iss="https://elsewhere.example/")),
        "invalid_request",
        "https://elsewhere.example/",
    ),
    Refusal.ACTOR_TOKEN_INVALID: (
        lambda s: exchange(s, s.token(), actor_token="not-a-jwt", actor_token_type=ACCESS),
        "invalid_request",
        "actor_token",
    ),
    Refusal.MAY_ACT_MISMATCH: (
        lambda s: exchange(s, ours(s, may_act={"sub": "someone-else@clients"})),
        "invalid_request",  # RFC 8693 §2.2.2: MUST, for a token unacceptable by policy
        "world-mappers-api@clients",
    ),
    Refusal.ACT_CHAIN_INVALID: (
        lambda s: exchange(s, ours(s, act={"nosub": True})),
        "invalid_request",
        "act",
    ),
    Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED: (
        lambda s: exchange(s, s.token(), audience="urn:worldmappers"),
        "invalid_target",
        "urn:worldmappers",
    ),
    Refusal.EXCHANGE_SCOPE_WIDENED: (
        lambda s: exchange(s, ours(s, scope="geocode:location"), scope="routes:read"),
        "invalid_scope",
        "routes:read",
    ),
    Refusal.TARGET_CONFLICT: (
        lambda s: exchange(s, s.token(), resource="urn:worldmappers"),
        "invalid_request",
        "urn:worldmappers:routes and urn:worldmappers",
    ),
    Refusal.SCOPE_NOT_GRANTED: (
        lambda s: exchange(s, s.token(), scope="routes:write"),
        "invalid_scope",
        "routes:write",
    ),
}


def test_every_exchange_refusal_has_a_case():
    assert EXCHANGE_REFUSALS <= set(CASES)


@pytest.mark.parametrize("rule", list(CASES), ids=str)
def test_each_refusal_names_its_rule(shared_stack, rule):
    send, error, word = CASES[rule]
    response = send(shared_stack)
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["error"], body["rule"]) == (error, str(rule))
    assert word in body["error_description"]
    assert response.headers["cache-control"] == "no-store"


def test_a_forged_subject_token_is_invalid(shared_stack):
    token = shared_stack.token()
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    body = exchange(shared_stack, forged).json()
    assert body["rule"] == "subject_token_invalid"


def test_an_unauthenticated_client_exchanges_nothing(shared_stack):
    response = exchange(shared_stack, shared_stack.token(), client=(WMAPI[0], "wrong"))
    assert response.status_code == 401
    assert response.json()["rule"] == "bad_client_credentials"


def test_the_table_refuses_nothing_a_good_exchange_asks():
    """The rule book's own facts: the seeded story passes every rule."""
    from oauth_primitives.rules.issuance import ApiSettings, GrantSettings

    facts = Exchange(
        "world-mappers-api",
        True,
        ACCESS,
        subject_claims={"sub": "giftdeliveries@clients", "scope": "directions"},
        actor="world-mappers-api@clients",
        audience=ROUTES,
        api=ApiSettings(ROUTES),
        grant=GrantSettings(("routes:read",)),
        scope_map={"routes:read": ["directions"]},
    )
    assert exchange_refusal(facts) is None
    assert facts.narrowed.issued == ("routes:read",)
    assert len(EXCHANGE) == len(set(EXCHANGE))


@pytest.mark.parametrize("by", ["jwks_uri", "jwks"])
def test_a_trusted_issuers_jwt_is_exchanged_and_an_untrusted_one_refused(stack, fake_issuer, by):
    subject = fake_issuer.sign(fake_issuer.claims(sub="robot", scope="directions"))
    refused = exchange(stack, subject).json()
    assert refused["rule"] == "subject_token_untrusted"
    assert fake_issuer.issuer in refused["error_description"]

    keys = (
        {"jwks_uri": fake_issuer.issuer + "jwks"}
        if by == "jwks_uri"
        else {"jwks": fake_issuer.jwks}
    )
    _trust(stack, {"issuer": fake_issuer.issuer, **keys})
    token = issued(exchange(stack, subject))
    assert token["sub"] == "robot"
    assert token["iss"] == stack.issuer
    assert token["act"] == {"sub": "world-mappers-api@clients"}
    # Signed by another key than the issuer's: refused, though the issuer is trusted.
    other = jwt.encode(
        fake_issuer.claims(sub="robot"),
        _other_key(),
        algorithm="RS256",
        headers={"kid": "fake-rsa"},
    )
    assert exchange(stack, other).json()["rule"] == "subject_token_invalid"


def _other_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_a_dpop_proof_binds_the_exchanged_token(shared_stack):
    """As for client_credentials (RFC 9449 §5): the token is bound to the proof's key."""
    from m2m_tui.oauth.dpop import generate_key

    key = generate_key()
    proof = key.proof("POST", shared_stack.token_url)
    body = {
        "grant_type": GRANT_TYPE,
        "client_id": WMAPI[0],
        "client_secret": WMAPI[1],
        "subject_token": shared_stack.token(),
        "subject_token_type": ACCESS,
        "audience": ROUTES,
    }
    response = _http().post(shared_stack.token_url, data=body, headers={"DPoP": proof})
    assert response.json()["token_type"] == "DPoP"
    assert issued(response)["cnf"] == {"jkt": key.jkt}


def test_a_trusted_issuer_may_not_name_one_of_this_tenants_clients(stack, fake_issuer):
    """Its `giftdeliveries@clients` would come back signed here, as Gift Deliveries' own."""
    _trust(stack, {"issuer": fake_issuer.issuer, "jwks": fake_issuer.jwks})
    claims = fake_issuer.claims(sub="giftdeliveries@clients", scope="directions")
    body = exchange(stack, fake_issuer.sign(claims)).json()
    assert (body["error"], body["rule"]) == ("invalid_request", "subject_token_invalid")
    assert (
        f"a subject from {fake_issuer.issuer} may not name one of this tenant's clients"
        in (body["error_description"])
    )


def test_a_management_api_token_is_not_exchanged(shared_stack):
    admin = shared_stack.token(client=ADMIN, audience=shared_stack.issuer + "api/v2/")
    body = exchange(shared_stack, admin).json()
    assert (body["error"], body["rule"]) == ("invalid_request", "subject_token_invalid")
    assert "a Management API token is not exchanged" in body["error_description"]


def _chain(depth: int) -> dict | None:
    act = None
    for i in range(depth):
        act = {"sub": f"hop-{i}@clients", **({"act": act} if act else {})}
    return act


def test_an_exchange_never_issues_a_chain_deeper_than_the_apis_take(shared_stack):
    """Seven actors in the subject token: the new one is the eighth, the most any API
    here reads; eight: the issued token would be nine deep, and is refused here, not by
    the API it was for."""
    seven = issued(exchange(shared_stack, ours(shared_stack, act=_chain(MAX_CHAIN - 1))))
    assert len(read_chain(seven).actors) == MAX_CHAIN
    body = exchange(shared_stack, ours(shared_stack, act=_chain(MAX_CHAIN))).json()
    assert (body["error"], body["rule"]) == ("invalid_request", "act_chain_invalid")
    assert f"would be deeper than {MAX_CHAIN}" in body["error_description"]
