"""The rule book itself: the closed set of codes, the table that orders the rules and its
one runner, and the values a rule hands on; and issuer shorthand, read one way by a
profile and by `serve`."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from m2m_tui.config.profile import Profile
from m2m_tui.config.profiles import normalise_issuer as profile_normalise
from oauth_primitives.issuer import normalise_issuer
from oauth_primitives.rules import Code, Finding
from oauth_primitives.rules.access_token import (
    Policy,
    claim_findings,
    header_findings,
    reads_certificate,
)
from oauth_primitives.rules.closed_sets import ASYMMETRIC, DPOP_PROOF
from oauth_primitives.rules.keys import alg_finding, key_finding
from oauth_primitives.rules.proof import PRIVATE_MEMBERS, header_finding
from oauth_primitives.rules.table import TABLE, Presented, place, rows, run
from tests.helpers.serve_process import start, stop


def test_every_code_has_words_an_error_and_a_place():
    for code in Code:
        finding = Finding(code, _values(code))
        text = finding.describe()
        assert text and '"' not in text and "\\" not in text
        assert finding.error in (
            "invalid_token",
            "insufficient_scope",
            "invalid_dpop_proof",
            "use_dpop_nonce",
        )
    in_rows = [c for row in TABLE for c in row.codes]
    assert set(in_rows) == set(Code)  # every code has its row
    # One row each, but the NumericDate that is not a number (each time claim's row) and
    # the StringOrURI that is not a string (aud's and sub's).
    assert len(in_rows) - len(set(in_rows)) == 3


def _values(code: Code) -> dict:
    return {
        "limit": 8192,
        "size": 9000,
        "parts": 2,
        "part": "header",
        "allowed": ["RS256"],
        "key_alg": "RS256",
        "bits": 1024,
        "minimum": 2048,
        "expected": "x",
        "claim": "exp",
        "missing": ["sub"],
        "named": "acme",
        "served": ["globex"],
        "scope": "directions",
        "typ": "JWT",
        "alg": "HS256",
        "found": "POST",
        "sent": None,
        "age": 120.0,
        "ahead": 30.0,
        "bound": "uSj5t3HKikN7FgjJBgTCuSVPgt4YpxZoQG6QOg8B66Q",
        "presented": "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg",
        "value": "gold",
        "problem": "act is not a JSON object",
        "actor": "someone@clients",
        "accepted": ["world-mappers-api@clients"],
    }


def test_the_algorithm_lists_are_one_each():
    assert "EdDSA" in ASYMMETRIC and alg_finding("EdDSA", ASYMMETRIC) is None
    assert alg_finding("HS256", ASYMMETRIC).code == Code.ALG_SYMMETRIC
    assert alg_finding("nOnE", ASYMMETRIC).code == Code.ALG_NONE
    assert alg_finding("ES256", ("RS256",)).code == Code.ALG_NOT_ALLOWED
    assert "ES512" not in DPOP_PROOF
    assert header_finding({"typ": "dpop+jwt", "alg": "ES512", "jwk": {}}).code == Code.PROOF_ALG
    assert {"d", "p", "q", "dp", "dq", "qi", "k", "oth"} == PRIVATE_MEMBERS
    proof = {"typ": "dpop+jwt", "alg": "ES256", "jwk": {"kty": "EC", "dp": "x"}}
    assert header_finding(proof) == Finding(Code.PROOF_PRIVATE_KEY, {"members": ["dp"]})


def test_a_key_fits_its_algorithm_or_says_why():
    rsa = {"kty": "RSA", "n": "_" * 342, "e": "AQAB"}  # 2048 bits
    assert key_finding("RS256", rsa) is None
    assert key_finding("RS384", {**rsa, "alg": "RS256"}).code == Code.KEY_ALG_MISMATCH
    assert key_finding("ES256", rsa).code == Code.KEY_TYPE_MISMATCH
    small = key_finding("RS256", {**rsa, "n": "_" * 171})
    assert small.code == Code.KEY_TOO_SMALL and small.values["bits"] < 2048
    p384 = {"kty": "EC", "crv": "P-384", "x": "", "y": ""}
    assert key_finding("ES256", p384).code == Code.KEY_TYPE_MISMATCH


def test_crit_is_refused_whatever_it_names():
    policy = Policy("https://i/", "urn:a")
    for crit in (["exp"], ["urn:example:ext"], "b64"):
        codes = [
            f.code for f in header_findings({"alg": "RS256", "kid": "k", "crit": crit}, policy)
        ]
        assert codes == [Code.CRIT_NOT_UNDERSTOOD]


def test_times_are_judged_claim_by_claim_in_the_apis_order():
    policy = Policy(None, None)
    found = claim_findings({"exp": 1, "nbf": "soon", "iat": 2}, policy, now=1000)
    assert [f.code for f in found] == [Code.EXPIRED, Code.NOT_A_NUMBER]
    # exp is judged before nbf, whatever the codes' own order.
    assert place(Code.EXPIRED) < place(Code.NOT_A_NUMBER, "nbf")
    assert place(Code.NOT_A_NUMBER, "exp") < place(Code.NOT_YET_VALID)


def _token(header: dict, claims: dict) -> str:
    import base64
    import json

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}.c2ln"


def test_the_api_takes_the_first_finding_and_the_diagnosis_every_one_in_the_same_order():
    policy = Policy("https://i/", "urn:a", dpop_required=True)
    token = _token({"alg": "HS256"}, {"iss": "https://i", "exp": "soon", "scope": ["a"]})

    def presented() -> Presented:
        return Presented(token, policy, now=1000.0, scope="a", keys={})

    every = [f.code for f in run(presented(), every=True)]
    assert every == [
        Code.DPOP_REQUIRED,
        Code.ALG_SYMMETRIC,
        Code.KID_MISSING,  # no key chosen after these, none tried
        Code.ISS_TRAILING_SLASH,
        Code.AUD_MISMATCH,
        Code.NOT_A_NUMBER,
        Code.SCOPE_NOT_STRING,
    ]
    assert [f.code for f in run(presented())] == every[:1]
    # Each run's findings follow the table's rows.
    assert every == sorted(every, key=lambda c: place(c, "exp"))


# RFC 7519 §4.1.2: sub is a StringOrURI. What issuers write instead: a user's database id
# (Django's, Lemur's), a float, an identity object (flask-jwt-extended's identity), a list
# of ids, a boolean, a null from a field never set.
@pytest.mark.parametrize("sub", [42, 4.2, {"id": 42}, ["42"], True, None])
def test_a_sub_that_is_not_a_string_is_refused_at_its_own_row(sub):
    claims = {"iss": "https://i/", "aud": "urn:a", "exp": 2000, "sub": sub, "nbf": "soon"}
    token = _token({"alg": "RS256", "kid": "k"}, claims)
    presented = Presented(token, Policy("https://i/", "urn:a"), 1000.0)
    wrong = Finding(Code.NOT_A_STRING, {"claim": "sub", "value": sub})
    assert run(presented) == (wrong,)  # before the times: who the token is about
    assert wrong.describe() == "the sub claim must be a string (StringOrURI, RFC 7519)"
    assert TABLE[place(Code.NOT_A_STRING, "sub")[0]].name == "sub"


@pytest.mark.parametrize("sub", ["42", "", "generated@clients", "urn:x:1"])
def test_a_string_sub_or_none_passes(sub):
    claims = {"iss": "https://i/", "aud": "urn:a", "exp": 2000}
    for payload in ({**claims, "sub": sub}, claims):
        token = _token({"alg": "RS256", "kid": "k"}, payload)
        assert run(Presented(token, Policy("https://i/", "urn:a"), 1000.0)) == ()


@pytest.mark.parametrize(
    ("aud", "code"),
    [
        (["urn:a", 7], Code.NOT_A_STRING),  # beside the right audience, still refused
        ([None, "urn:a"], Code.NOT_A_STRING),
        ({"urn:a": True}, Code.NOT_A_STRING),
        (7, Code.NOT_A_STRING),
        (["urn:b"], Code.AUD_MISMATCH),
        (["urn:b", "urn:a"], None),
    ],
)
def test_each_audience_is_a_string(aud, code):
    found = claim_findings({"aud": aud, "exp": 2000}, Policy(None, "urn:a"), now=1000)
    assert [f.code for f in found] == ([code] if code else [])


def test_a_token_that_passes_costs_the_table_no_allocation():
    claims = {"iss": "https://i/", "aud": "urn:a", "exp": 2000, "scope": "a b"}
    token = Presented(
        _token({"alg": "RS256", "kid": "k"}, claims), Policy("https://i/", "urn:a"), 1000.0
    )
    token.scope = "b"
    assert run(token) is run(token) == ()  # the same empty tuple, not a new one
    token.scope = "c"
    assert [f.code for f in run(token)] == [Code.SCOPE_MISSING]


_THUMBPRINTS = st.sampled_from(["x5t-a", "x5t-b", ""])
_CNF = st.one_of(
    st.none(),
    st.sampled_from(["x5t-a", 1, [], {}]),
    st.dictionaries(
        st.sampled_from(["x5t#S256", "jkt", "x5t"]),
        st.one_of(_THUMBPRINTS, st.integers(), st.none()),
        max_size=3,
    ),
)


@given(
    cnf=_CNF,
    presented=st.one_of(st.none(), _THUMBPRINTS),
    scheme=st.sampled_from(["Bearer", "DPoP"]),
    mtls_required=st.booleans(),
)
def test_the_request_rows_read_a_certificate_only_for_a_token_bound_to_one(
    cnf, presented, scheme, mtls_required
):
    # The API looks for the client certificate, and tells calls apart by it, only where
    # `reads_certificate` says: elsewhere, any certificate or none gets the same findings.
    claims = {"scope": "a"} if cnf is None else {"scope": "a", "cnf": cnf}
    policy = Policy("https://i/", "urn:a", mtls_required=mtls_required)

    def findings(certificate: str | None) -> list[Code]:
        p = Presented("t", policy, 1000.0, scheme, "a", certificate, claims=claims)
        return [f.code for f in run(p, rows("binding"), every=True)]

    if not reads_certificate(claims):
        assert findings(presented) == findings(None) == findings("x5t-a")
    else:  # bound: the certificate decides
        assert findings(None) != findings(claims["cnf"]["x5t#S256"])


@pytest.mark.parametrize(
    "given, issuer",
    [
        ("tenant.auth0.com", "https://tenant.auth0.com/"),
        ("tenant.auth0.com/", "https://tenant.auth0.com/"),
        (" tenant.eu.auth0.com// ", "https://tenant.eu.auth0.com/"),
        ("https://tenant.auth0.com", "https://tenant.auth0.com"),  # a URL is its own
        ("http://127.0.0.1:7000/", "http://127.0.0.1:7000/"),
    ],
)
def test_issuer_shorthand(given, issuer):
    assert normalise_issuer(given) == profile_normalise(given) == issuer


def test_serve_reads_issuer_shorthand_as_a_profile_does(tmp_path):
    """Before, `serve --issuer tenant.auth0.com/` trusted https://tenant.auth0.com//."""
    proc, found = start(tmp_path, "--only", "api", "--issuer", "tenant.example/")
    try:
        meta = httpx.get(found["api"].rstrip("/") + "/.well-known/oauth-protected-resource")
        profile = Profile(name="p", issuer="tenant.example/", client_id="c")
        assert meta.json()["authorization_servers"] == [normalise_issuer(profile.issuer)]
        assert meta.json()["authorization_servers"] == ["https://tenant.example/"]
    finally:
        stop(proc)


def test_the_readme_lists_every_rule_with_its_code():
    from pathlib import Path

    readme = Path(__file__).parents[2].joinpath("README.md").read_text()
    table = readme.split("### The rules, and their codes", 1)[1].split("\n\n", 3)[2]
    listed = {c.strip("` ") for row in table.splitlines()[2:] for c in row.split("|")[1].split("·")}
    assert listed == {c.value for c in Code}
