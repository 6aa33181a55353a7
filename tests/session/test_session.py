"""The UI-free session: token cache on disk, private_key_jwt profiles, diagnostics-free calls."""

from __future__ import annotations

import json
import time
from dataclasses import replace

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from m2m_tui.oauth.token_cache import TokenCache
from tests.conftest import WORLDMAPPERS
from tests.helpers.sessions import make_session


async def test_token_cache_reuse_file_mode_and_expiry(tmp_path, stack):
    session = make_session(tmp_path, stack.issuer, stack.api_url)
    first = await session.get_token()
    assert first.ok and not first.from_cache
    again = await session.get_token()
    assert again.from_cache and again.access_token == first.access_token
    path = tmp_path / "client-state" / "token-cache.json"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert "giftdeliveries-local-secret" not in path.read_text()
    # 60 s before exp the cached token is no longer offered.
    cache = TokenCache(tmp_path / "client-state")
    exp = next(iter(json.loads(path.read_text()).values()))["expires_at"]
    credential = session.tokens.credential()
    assert cache.get(session.profile, credential, now=exp - 61)[0] is not None
    assert cache.get(session.profile, credential, now=exp - 59) == (None, None)
    # A damaged cache file is an empty cache, not a crash.
    path.write_text("{not json")
    assert (await session.get_token()).from_cache is False


async def test_private_key_jwt_profile(tmp_path, stack):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem_file = tmp_path / "client.pem"
    pem_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    admin = stack.admin()
    client_id = admin.post(
        "/clients",
        json={
            "name": "Keyed",
            "client_authentication_methods": {
                "private_key_jwt": {
                    "credentials": [{"credential_type": "public_key", "pem": public.decode()}]
                }
            },
        },
    ).json()["client_id"]
    admin.post(
        "/client-grants",
        json={"client_id": client_id, "audience": WORLDMAPPERS, "scope": ["geocode:location"]},
    ).raise_for_status()
    session = make_session(tmp_path, stack.issuer, stack.api_url)
    session.use(
        replace(
            session.profile,
            client_id=client_id,
            client_secret=None,
            auth_method="private_key_jwt",
            private_key_file=str(pem_file),
        )
    )
    outcome = await session.get_token(force=True)
    assert outcome.ok, outcome.description
    assert outcome.exchange.request_body["client_assertion"] == "••••••"
    inspection = await session.explainer.inspect(outcome.access_token)
    assert inspection.signature.ok and inspection.decoded.scopes == ["geocode:location"]


async def test_missing_key_file_is_a_configuration_message(tmp_path, stack):
    session = make_session(tmp_path, stack.issuer, stack.api_url)
    session.use(
        replace(
            session.profile,
            auth_method="private_key_jwt",
            private_key_file=str(tmp_path / "absent.pem"),
        )
    )
    outcome = await session.get_token(force=True)
    assert outcome.error == "configuration" and "absent.pem" in outcome.description


async def test_calls_are_recorded_in_history(tmp_path, stack):
    session = make_session(tmp_path, stack.issuer, stack.api_url)
    await session.load_api()
    await session.get_token()
    directions = next(e for e in session.endpoints if e.path == "/api/directions")
    before = time.time()
    result = await session.call(directions, {"destination": "Auth0 Office"})
    after = time.time()
    assert result.status == 200 and result.exchange.duration_ms > 0
    assert [e.kind for e in session.history] == ["token", "call"]
    assert before <= session.history[-1].at <= after  # stamped when made


async def test_without_api_metadata_the_expected_audience_is_the_profiles(tmp_path, fake_issuer):
    """An API that publishes no RFC 9728 metadata (Auth0's Express validator, for one):
    the audience the profile asks for, `audience` else `resource`, is the one expected,
    so a token for another audience is named, even one that differs by a slash."""
    from m2m_tui.config.profile import Profile
    from m2m_tui.diagnosis.token_checks import run_checks

    session = make_session(tmp_path, fake_issuer.issuer, None)
    session.use(
        Profile(
            name="rfc8707",
            issuer=fake_issuer.issuer,
            client_id="robot",
            client_secret="s",
            provider="generic",
            resource="urn:worldmappers",
        )
    )
    expect = await session.explainer.expectations(None)
    assert expect.audience == "urn:worldmappers"
    wrong = fake_issuer.sign(fake_issuer.claims(audience="urn:worldmappers/"))
    diagnosis = run_checks(wrong, expect, fake_issuer.jwks)
    assert diagnosis.failed == ["aud"]
