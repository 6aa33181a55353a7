"""What the client and the servers each used to read their own way, now read once by the
rule book: each test takes a case where two copies gave different answers, and holds
every side to the rule book's one."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import httpx
import jwt
import pytest

from api_server.authority.issued import issued_to
from api_server.dpop import DpopError, parse_proof
from api_server.resource.introspection import IntrospectingValidator
from api_server.resource.validator import Refused, policy_of
from m2m_tui.commands.token import _bound_jkt as cli_bound_jkt
from m2m_tui.diagnosis.claim_checks import client_of as diagnosis_client_of
from m2m_tui.diagnosis.dpop_checks import DpopFacts, dpop_checks
from m2m_tui.oauth.dpop import generate_key
from m2m_tui.tokens.decoded import NotAJwt, bound_jkt, decode, scopes_against
from oauth_primitives.jwk import thumbprint
from oauth_primitives.rules import Code, access_token, jws
from oauth_primitives.rules.proof import MAX_PROOF, bound_key_finding
from tests.conftest import repo_settings

URL = "http://127.0.0.1:1/api/directions"


def unsigned(claims: dict) -> str:
    """A token whose signature does not matter here: only its claims are read."""
    return jwt.encode(claims, "secret-key-for-tests-only-32bytes!", algorithm="HS256")


def test_an_empty_cnf_jkt_binds_to_no_key_on_every_side():
    # RFC 9449 §6.1: jkt is a key's thumbprint; "" is no key's. The API read it as no
    # binding while the inspector, the API tab and `token --json` read it as one.
    claims = {"sub": "a@clients", "cnf": {"jkt": ""}}
    raw = unsigned(claims)
    assert access_token.bound_jkt(claims) is None
    assert bound_jkt(decode(raw)) is None
    assert cli_bound_jkt(raw) is None
    assert access_token.binding_finding(claims, "Bearer") is None  # the API takes it as Bearer


def test_scopes_are_read_once_in_the_tokens_order():
    claims = {"scope": "write  read write"}
    decoded = decode(unsigned(claims))
    assert decoded.scopes == ["write", "read"]
    assert set(decoded.scopes) == access_token.scopes_of(claims)
    rows = scopes_against(decoded, ["read"])
    assert [(r.scope, r.granted, r.known) for r in rows] == [
        ("read", True, True),
        ("write", True, False),
    ]


@pytest.mark.parametrize(
    "claims, client",
    [
        (
            {"client_id": "rfc9068-client", "azp": "auth0-client", "sub": "x@clients"},
            "rfc9068-client",
        ),
        ({"azp": "auth0-client", "sub": "x@clients"}, "auth0-client"),
        ({"sub": "only-sub@clients"}, "only-sub"),
        ({"client_id": 7, "sub": "named@clients"}, "named"),  # only text names a client
    ],
)
def test_which_client_a_token_belongs_to_is_one_answer(claims, client):
    assert issued_to(claims) == client  # the authority: introspection, revocation
    assert diagnosis_client_of(decode(unsigned(claims))) == client  # the Why? tab's fix
    assert access_token.client_of(claims) == client


def test_a_proof_the_servers_cannot_read_is_one_the_diagnosis_cannot_either():
    # PyJWT read a proof of any size; the servers stop at MAX_PROOF characters.
    key = generate_key()
    claims = {"jti": "j", "htm": "GET", "htu": URL, "iat": int(time.time())}
    claims["pad"] = "x" * MAX_PROOF
    headers = {"typ": "dpop+jwt", "jwk": key.jwk}
    proof = jwt.encode(claims, key.private_key, algorithm="ES256", headers=headers)
    with pytest.raises(DpopError) as refused:
        parse_proof([proof])
    facts = DpopFacts("DPoP", proof, "GET", URL, thumbprint(key.jwk))
    checks = dpop_checks("tok", thumbprint(key.jwk), facts, {}, time.time())
    said = {c.name: c for c in checks}["proof"]
    assert said.ok is False and said.code == refused.value.finding.code == Code.PROOF_MALFORMED
    assert f"{MAX_PROOF:,}" in said.detail


def test_the_proof_key_binding_is_one_rule():
    holder, other = generate_key(), generate_key()
    bound = {"cnf": {"jkt": thumbprint(holder.jwk)}}
    assert bound_key_finding(bound, thumbprint(holder.jwk)) is None
    assert bound_key_finding(bound, thumbprint(other.jwk)).code == Code.PROOF_KEY_NOT_BOUND
    assert bound_key_finding({}, thumbprint(other.jwk)) is None  # the scheme rule's case
    proof = other.proof("GET", URL, "tok")
    facts = DpopFacts("DPoP", proof, "GET", URL, None)
    checks = dpop_checks("tok", thumbprint(holder.jwk), facts, {}, time.time())
    assert {c.name: c.code for c in checks}["cnf.jkt"] == Code.PROOF_KEY_NOT_BOUND


@pytest.mark.parametrize(
    "text",
    ["opaque-reference", "a.b", "a.b.c.d", "a.b.c.d.e", "!!!.e30.sig", "e30.WzFd.sig", "e30.e30.!"],
)
def test_the_inspector_names_a_tokens_form_by_the_rule_books_code(text):
    with pytest.raises(NotAJwt) as not_a_jwt:
        decode(text)
    assert isinstance(not_a_jwt.value.code, Code)
    assert not_a_jwt.value.code == jws.parse(text).code


def introspecting_api(answer: dict) -> IntrospectingValidator:
    settings = replace(
        repo_settings().api,
        validation="introspection",
        introspection_client_id="api",
        introspection_client_secret="secret",
    )
    validator = IntrospectingValidator(settings, "http://issuer.test/")
    validator._endpoint = "http://issuer.test/oauth/introspect"
    validator.client = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
    )
    return validator


@pytest.mark.parametrize(
    ("aud", "code"),
    [
        ("urn:other", Code.AUD_MISMATCH),
        (["urn:other", "urn:else"], Code.AUD_MISMATCH),
        (None, Code.AUD_MISMATCH),
        (42, Code.NOT_A_STRING),  # RFC 7519 §4.1.3: a StringOrURI, as for a JWT
        (["urn:worldmappers", 42], Code.NOT_A_STRING),
    ],
)
def test_introspection_judges_the_audience_by_the_rule_book(aud, code):
    answer = {"active": True, "sub": "a@clients", "scope": "geocode:location"}
    if aud is not None:
        answer["aud"] = aud
    # Refused, as the table's findings are: returned, not raised.
    refused = asyncio.run(introspecting_api(answer).validate("opaque-token"))
    expected = access_token.aud_finding(answer, policy_of(repo_settings().api, ""))
    assert isinstance(refused, Refused)
    assert refused.finding.code == expected.code == code
    # The words the API says of a JWT with this aud, and never the token's own aud.
    assert refused.finding.describe() == expected.describe()
    assert "urn:other" not in refused.finding.describe()


def test_introspection_takes_the_apis_audience_among_others():
    answer = {"active": True, "sub": "a@clients", "aud": ["urn:other", "urn:worldmappers"]}
    principal = asyncio.run(introspecting_api(answer).validate("opaque-token"))
    assert principal.subject == "a@clients"
