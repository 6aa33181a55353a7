"""One rule book for the exchange (#46's principle, for RFC 8693): the diagnosis of a
refused exchange predicts by running the authority's own table (`EXCHANGE`) on the
facts the client knows, so that it cannot say other than the authority on them. Proven
by generation, in process: every line that fails is its row's verdict and the first is
the prediction; with the tenant known every row is judged; without it no row that reads
the tenant predicts, and those lines say only the server knows."""

from __future__ import annotations

import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from m2m_tui.diagnosis.token_request.exchange_checks import ExchangeTenant, exchange_foresight
from m2m_tui.diagnosis.token_request.exchange_facts import foresee
from m2m_tui.oauth.sent_request import sent_request
from oauth_primitives.rules.exchange import EXCHANGE, exchange_refusal
from oauth_primitives.rules.exchanged_tokens import judge_exchanged, read_exchanged
from oauth_primitives.rules.findings import Code
from oauth_primitives.token_exchange import GRANT_TYPE, TokenType
from oauth_primitives.token_refusals import Refusal

ISSUER = "http://127.0.0.1:7000/"
PARTNER = "https://partner.example/"
ROUTES = "urn:worldmappers:routes"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
# The refusals of the rows that read the tenant's policy (profiles, target, grant).
TENANT_CODES = {
    Refusal.EXCHANGE_NOT_ALLOWED,
    Refusal.SUBJECT_TOKEN_UNTRUSTED,
    Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED,
    Refusal.NO_CLIENT_GRANT,
    Refusal.SCOPE_NOT_GRANTED,
    Refusal.EXCHANGE_SCOPE_WIDENED,
    Refusal.DPOP_REQUIRED,
    Refusal.CERTIFICATE_REQUIRED,
}


def profile(client_ids, audiences, scope_map, trusted):
    return {
        "id": "tep_1",
        "name": "one",
        "subject_token_type": TokenType.ACCESS_TOKEN.value,
        "client_ids": client_ids,
        "audiences": audiences,
        "scope_map": scope_map,
        "trusted_issuers": [{"issuer": PARTNER, "jwks": {"keys": []}}] if trusted else [],
    }


def token(iss, exp_in, scope, may_act, act, form) -> str:
    if form == "garbage":
        return "not.a-token"
    now = int(time.time())
    body = {"iss": iss, "sub": "gift-deliveries@clients", "iat": now, "exp": now + exp_in}
    body |= {"scope": scope, "jti": uuid.uuid4().hex}
    if may_act:
        body["may_act"] = {"sub": may_act}
    if act is not None:
        body["act"] = act
    if form == "no_jti":
        del body["jti"]
    if form == "symmetric":
        return jwt.encode(body, "s" * 32, "HS256", headers={"kid": "k"})
    return jwt.encode(body, KEY, "RS256", headers={"kid": "k1"})


exchanges = st.fixed_dictionaries(
    {
        "iss": st.sampled_from([ISSUER, ISSUER, PARTNER, "https://elsewhere.example/"]),
        "exp_in": st.sampled_from([600, 600, -600]),
        "scope": st.sampled_from(["directions", "routes:read", "geocode:location"]),
        "may_act": st.sampled_from([None, "world-mappers-api@clients", "other@clients"]),
        "act": st.sampled_from([None, {"sub": "earlier@clients"}, {"act": {}}]),
        "form": st.sampled_from(["good", "good", "no_jti", "symmetric", "garbage"]),
        "client": st.sampled_from(["world-mappers-api", "gift-deliveries"]),
        "audience": st.sampled_from([ROUTES, ROUTES, "urn:worldmappers", None]),
        "scope_asked": st.sampled_from([None, "routes:read", "routes:read routes:write"]),
        "types": st.sampled_from(["good", "good", "saml", "no_type", "lone_actor_type"]),
        "tenant": st.booleans(),
        "client_ids": st.sampled_from([["world-mappers-api"], [], ["gift-deliveries"]]),
        "audiences": st.sampled_from([[ROUTES], [], [ROUTES, "urn:worldmappers"]]),
        "scope_map": st.sampled_from([{"routes:read": ["directions"]}, {}]),
        "trusted": st.booleans(),
        "granted": st.sampled_from([("routes:read",), (), None]),
        "metadata_issuer": st.sampled_from([True, True, False]),
    }
)


def built(case):
    subject = token(
        case["iss"], case["exp_in"], case["scope"], case["may_act"], case["act"], case["form"]
    )
    form = {
        "grant_type": GRANT_TYPE,
        "client_id": case["client"],
        "client_secret": "s3cret",
        "subject_token": subject,
        "subject_token_type": TokenType.ACCESS_TOKEN.value,
        "audience": case["audience"],
        "scope": case["scope_asked"],
    }
    if case["types"] == "saml":
        form["subject_token_type"] = TokenType.SAML2.value
    elif case["types"] == "no_type":
        del form["subject_token_type"]
    elif case["types"] == "lone_actor_type":
        form["actor_token_type"] = TokenType.ACCESS_TOKEN.value
    sent = sent_request(ISSUER + "oauth/token", {k: v for k, v in form.items() if v}, {})
    tenant = None
    if case["tenant"]:
        one = profile(case["client_ids"], case["audiences"], case["scope_map"], case["trusted"])
        tenant = ExchangeTenant((one,), case["granted"])
    metadata = {"issuer": ISSUER} if case["metadata_issuer"] else {}
    return sent, metadata, tenant


@settings(max_examples=400, deadline=None)
@given(case=exchanges)
def test_the_lines_and_the_prediction_are_the_authoritys_table(case):
    sent, metadata, tenant = built(case)
    now = time.time()
    lines, predicted = exchange_foresight(sent, metadata, now, tenant)
    seen = foresee(sent, metadata, now, tenant)
    # The prediction is the table's, over the rows the client can judge...
    assert predicted == exchange_refusal(seen.facts, seen.rules)
    # ...and the first line that fails names it: no second opinion beside the table.
    failed = [c.refusal for c in lines if c.ok is False]
    assert (failed[0] if failed else None) is (predicted.code if predicted else None)
    assert all(code is not None for code in failed)
    if tenant is not None and metadata and sent.asked.get("audience"):
        # Everything the authority reads is known (but the keys and revocations, which
        # only the server holds): the whole table, as the authority runs it.
        assert seen.rules == tuple(r for r in EXCHANGE if r.__name__ not in BINDING)
    if tenant is None:
        assert predicted is None or predicted.code not in TENANT_CODES
        policy = next(c for c in lines if c.name == "exchange policy")
        assert policy.ok is None and "only the server knows" in policy.detail


BINDING = {"dpop_required", "certificate_required"}  # the target's settings: not given here


def test_a_subject_token_read_alike_by_the_authority_and_the_diagnosis():
    """rules.exchanged_tokens, the one reading: an untrusted issuer is iss_mismatch, a
    revoked token of ours inactive, and without keys the signature is not judged."""
    good = token(ISSUER, 600, "directions", None, None, "good")
    ours = read_exchanged(good, ISSUER, (), 60.0)
    assert ours.ours and judge_exchanged(ours, time.time(), keys=None) is None
    revoked = judge_exchanged(ours, time.time(), keys=None, revoked=lambda jti: True)
    assert revoked.code is Code.INACTIVE
    assert judge_exchanged(ours, time.time(), keys={}).code is Code.KID_UNKNOWN
    partner = token(PARTNER, 600, "directions", None, None, "good")
    assert read_exchanged(partner, ISSUER, (), 60.0).found.code is Code.ISS_MISMATCH
    trusted = read_exchanged(partner, ISSUER, (PARTNER,), 60.0)
    assert not trusted.ours and judge_exchanged(trusted, time.time(), None) is None
    no_jti = read_exchanged(token(ISSUER, 600, "x", None, None, "no_jti"), ISSUER, (), 60.0)
    assert judge_exchanged(no_jti, time.time(), None).code is Code.CLAIM_REQUIRED
    expired = read_exchanged(token(ISSUER, -600, "x", None, None, "good"), ISSUER, (), 60.0)
    assert judge_exchanged(expired, time.time(), None).code is Code.EXPIRED
