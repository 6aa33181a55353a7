"""Diagnoses of real tokens against the real bundled API: the server's own answer must
agree with the checks, and the failing check must be the one that explains it."""

from __future__ import annotations

import time
from dataclasses import replace

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from m2m_tui.diagnosis.token_checks import (
    CHECK_NAMES,
    Agreement,
    Expectations,
    ServerAnswer,
    run_checks,
)
from m2m_tui.diagnosis.www_authenticate import parse_challenge
from oauth_primitives.rules.access_token import Policy
from tests.conftest import (
    ADMIN,
    WORLDMAPPERS,
    b64,
    claims,
    repo_settings,
    signed,
    start_stack,
)
from tests.helpers.sessions import make_session

AGREE = Agreement.AGREE


@pytest.fixture
def session(tmp_path, stack):
    s = make_session(tmp_path, stack.issuer, stack.api_url)
    return s


async def run(session, raw: str, path: str = "/api/directions", **params):
    await session.load_api()
    endpoint = next(e for e in session.endpoints if e.path == path)
    defaults = {p.name: p.example for p in endpoint.params}
    diagnosis, _ = await session.explainer.diagnose(raw, endpoint, {**defaults, **params})
    return diagnosis


def only_failure(diagnosis, name: str, status: int, error: str | None = "invalid_token"):
    assert diagnosis.failed == [name], [(c.name, c.detail) for c in diagnosis.checks]
    assert diagnosis.server.status == status
    if error:
        assert diagnosis.server.www_authenticate["error"] == error
    assert diagnosis.verdict == "rejected" and diagnosis.agreement == AGREE
    check = next(c for c in diagnosis.checks if c.name == name)
    assert check.fix
    # The rule the diagnosis names is the one the server said it refused for.
    assert check.code and diagnosis.rule == check.code == diagnosis.server.rule
    return check


async def test_a_good_token_is_accepted_and_every_check_passes(session, stack):
    diagnosis = await run(session, stack.token())
    assert [c.name for c in diagnosis.checks] == list(CHECK_NAMES)
    assert diagnosis.failed == [] and diagnosis.verdict == "accepted"
    assert diagnosis.server.status == 200 and diagnosis.agreement == AGREE


async def test_missing_scope_names_the_grant_to_make(session, stack):
    diagnosis = await run(session, stack.token(), "/api/location/geocode")
    check = only_failure(diagnosis, "scope", 403, "insufficient_scope")
    assert "needs geocode:location" in check.detail and "has directions" in check.detail
    assert check.fix == (
        "Grant `geocode:location` to Gift Deliveries on urn:worldmappers, then request a new token."
    )
    assert diagnosis.server.www_authenticate["scope"] == "geocode:location"


async def test_a_genuinely_signed_token_that_expired(session, stack):
    # Minted by the authority itself, a day and a minute ago (its clock moved back, no
    # waiting): its 24 h lifetime ended a minute ago, past the API's 5 s leeway.
    stack.authority.clock = lambda: time.time() - 86_460
    token = stack.token()
    check = only_failure(await run(session, token), "exp", 401)
    assert "expired" in check.detail and "by the server's clock" in check.detail


@pytest.mark.parametrize("alg", ["none", "HS256"])
async def test_forbidden_algorithms(session, stack, alg):
    body = b64(claims(stack))
    token = f"{b64({'alg': alg, 'kid': stack.authority.current_key.kid})}.{body}.{b64(b'x')}"
    diagnosis = await run(session, token)
    assert diagnosis.failed[0] == "alg" and diagnosis.server.status == 401
    assert diagnosis.agreement == AGREE


async def test_unknown_kid(session, stack):
    # A key rotated out: neither its kid nor the key is in the JWKS any more. (The
    # current key under another kid is found by it: tests/diagnosis/test_key_search.py.)
    gone = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims(stack), gone, algorithm="RS256", headers={"kid": "gone-key"})
    check = only_failure(await run(session, token), "kid", 401)
    assert "rotated out or revoked" in check.detail and "another tenant" in check.detail


async def test_missing_kid(session, stack):
    token = jwt.encode(claims(stack), stack.authority.current_key.private_key, algorithm="RS256")
    assert "no kid" in only_failure(await run(session, token), "kid", 401).detail


async def test_signature_from_another_key(session, stack):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(
        claims(stack), other, algorithm="RS256", headers={"kid": stack.authority.current_key.kid}
    )
    only_failure(await run(session, token), "signature", 401)


async def test_issuer_without_trailing_slash(session, stack):
    token = signed(stack, claims(stack, iss=stack.issuer.rstrip("/")))
    assert "trailing slash" in only_failure(await run(session, token), "iss", 401).detail


async def test_management_api_token_names_who_it_was_for(session, stack):
    token = stack.token(ADMIN, stack.issuer + "api/v2/")
    diagnosis = await run(session, token)
    assert diagnosis.failed[0] == "aud" and diagnosis.server.status == 401
    check = next(c for c in diagnosis.checks if c.name == "aud")
    assert "this is a Management API token" in check.detail
    assert check.cause == "management_api_token" and diagnosis.causes == ["management_api_token"]
    assert check.fix.startswith("Request the token with audience=urn:worldmappers: ")


async def test_nbf_in_the_future(session, stack):
    token = signed(stack, claims(stack, nbf=int(time.time()) + 3600))
    only_failure(await run(session, token), "nbf", 401)


async def test_iat_in_the_future_is_clock_skew(session, stack):
    token = signed(stack, claims(stack, iat=int(time.time()) + 3600))
    assert "clock skew" in only_failure(await run(session, token), "iat", 401).detail


async def test_typ_when_the_api_requires_at_jwt(tmp_path):
    settings = repo_settings()
    strict = start_stack(
        tmp_path / "strict", replace(settings, api=replace(settings.api, strict_rfc9068=True))
    )
    try:
        session = make_session(tmp_path, strict.issuer, strict.api_url)
        diagnosis = await run(session, strict.token())
        # Auth0's default dialect: typ JWT, and no client_id claim; the API names typ,
        # the first rule it applies, and the diagnosis names both.
        assert diagnosis.failed == ["typ", "claims"] and diagnosis.server.status == 401
        assert diagnosis.rule == diagnosis.server.rule == "typ_not_at_jwt"
        typ = next(c for c in diagnosis.checks if c.name == "typ")
        assert "requires at+jwt" in typ.detail and "rfc9068_profile" in typ.fix
        claims = next(c for c in diagnosis.checks if c.name == "claims")
        assert "client_id" in claims.detail and claims.code == "claims_missing"
    finally:
        strict.thread.stop()


async def test_a_token_from_a_second_issuer(session, fake_issuer):
    token = fake_issuer.sign(fake_issuer.claims())
    diagnosis = await run(session, token)
    assert {"kid", "iss"} <= set(diagnosis.failed)
    assert diagnosis.server.status == 401 and diagnosis.agreement == AGREE


async def test_an_opaque_token(session):
    diagnosis = await run(session, "8f2a1c0e-opaque-reference")
    # Not a JWT, at an API that reads only JWTs; and its issuer never issued it
    # (introspection, RFC 7662: not active).
    assert diagnosis.failed == ["format", "active"]
    check = diagnosis.checks[0]
    assert "opaque" in check.detail and "audience" in check.fix
    assert "validates JWTs itself" in check.detail
    assert diagnosis.server.status == 401 and diagnosis.agreement == AGREE


async def test_tampered_scope_breaks_the_signature(session, stack):
    header, _, sig = stack.token().split(".")
    more = b64(claims(stack, scope="directions geocode:location"))
    only_failure(await run(session, f"{header}.{more}.{sig}"), "signature", 401)


async def test_revoked_key_still_cached_by_the_server_is_a_disagreement(session, stack):
    old = stack.token()
    assert (await run(session, old)).verdict == "accepted"  # the API caches this key now
    admin = stack.admin()
    admin.post("/keys/signing/rotate").raise_for_status()
    admin = stack.admin()
    admin.put(f"/keys/signing/{jwt.get_unverified_header(old)['kid']}/revoke").raise_for_status()
    diagnosis = await run(session, old)
    assert diagnosis.failed == ["kid"] and diagnosis.server.status == 200
    assert diagnosis.agreement == Agreement.SERVER_ACCEPTED_MORE
    assert "revoked key" in diagnosis.agreement_text  # the likely reason, in words


def test_a_skewed_server_clock_judges_expiry():
    """A fake server answer: Date one hour ahead, so a token valid for 30 min has expired."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    from api_server.jwks import public_jwk

    jwks = {"keys": [public_jwk(key.public_key(), "k1", "RS256", None)]}
    now = float(int(time.time()))  # HTTP dates have whole seconds
    token = jwt.encode(
        {
            "iss": "https://i/",
            "aud": "urn:a",
            "exp": int(now) + 1800,
            "iat": int(now),
            "scope": "s",
            # RFC 9068's claims and typ: no stricter validator has a rule this one breaks.
            "sub": "c@clients",
            "client_id": "c",
            "jti": "j1",
        },
        key,
        algorithm="RS256",
        headers={"kid": "k1", "typ": "at+jwt"},
    )
    expect = Expectations(Policy("https://i/", "urn:a"), "s")
    skewed = ServerAnswer.from_headers(
        401,
        {
            "Date": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 3600)),
            "WWW-Authenticate": 'Bearer error="invalid_token", error_description="expired"',
        },
    )
    diagnosis = run_checks(token, expect, jwks, skewed, now=now)
    exp = next(c for c in diagnosis.checks if c.name == "exp")
    assert diagnosis.failed == ["exp"] and "by the server's clock" in exp.detail
    assert "1 h ahead of yours" in exp.detail
    # The same answer without the skew: the local checks pass, the server refused.
    plain = ServerAnswer.from_headers(401, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    disagreement = run_checks(token, expect, jwks, plain, now=now)
    assert disagreement.failed == []
    assert disagreement.agreement == Agreement.SERVER_REFUSED_MORE
    assert "clock" in disagreement.agreement_text and "stale JWKS" in disagreement.agreement_text


def test_www_authenticate_parsing():
    header = (
        'Bearer realm="worldmappers", error="insufficient_scope", '
        'error_description="the token lacks the scope x", scope="x", '
        'resource_metadata="http://h/.well-known/oauth-protected-resource"'
    )
    parsed = parse_challenge(header)
    assert parsed == {
        "scheme": "Bearer",
        "realm": "worldmappers",
        "error": "insufficient_scope",
        "error_description": "the token lacks the scope x",
        "scope": "x",
        "resource_metadata": "http://h/.well-known/oauth-protected-resource",
    }
    assert parse_challenge(None) == {}


async def test_a_fake_api_whose_clock_runs_an_hour_ahead(tmp_path, fake_issuer):
    """A real call to a fake API that answers with a skewed Date: the diagnosis judges
    expiry by the server's clock, names the skew, and agrees with the refusal."""
    from email.utils import formatdate

    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from m2m_tui.config.profile import Profile
    from tests.conftest import serve_app

    async def directions(request):
        return JSONResponse(
            {"message": "expired"},
            status_code=401,
            headers={
                "Date": formatdate(time.time() + 3600, usegmt=True),
                "WWW-Authenticate": 'Bearer realm="x", error="invalid_token", '
                'error_description="the token has expired"',
            },
        )

    api_url, thread = serve_app(
        Starlette(routes=[Route("/api/directions", directions)]), date_header=False
    )
    try:
        session = make_session(tmp_path, fake_issuer.issuer, api_url.rstrip("/"))
        session.use(
            Profile(
                name="skew",
                issuer=fake_issuer.issuer,
                client_id="robot",
                audience=WORLDMAPPERS,
                api_base_url=api_url.rstrip("/"),
            )
        )
        token = fake_issuer.sign(fake_issuer.claims(exp=int(time.time()) + 1800))
        diagnosis = await run(session, token, destination="Seattle")
        exp = next(c for c in diagnosis.checks if c.name == "exp")
        assert diagnosis.failed == ["exp"], diagnosis.failed
        assert "by the server's clock" in exp.detail and "ahead of yours" in exp.detail
        assert diagnosis.server.www_authenticate["error_description"] == "the token has expired"
        assert diagnosis.agreement == AGREE
    finally:
        thread.stop()


def test_the_readme_lists_every_cause_with_its_code():
    from pathlib import Path

    from m2m_tui.diagnosis.causes import NAMES, Cause

    readme = Path(__file__).parents[2].joinpath("README.md").read_text()
    table = readme.split("### The causes it knows", 1)[1].split("| cause |", 1)[1]
    rows = table.split("\n\n", 1)[0].splitlines()[2:]
    assert {row.split("|")[1].strip(" `") for row in rows} == {c.value for c in Cause}
    assert set(NAMES) == set(Cause)  # every cause has the name the checklist shows
