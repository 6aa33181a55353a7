"""client_secret_jwt at the bundled authority (OpenID Connect Core §9, RFC 7523 §2.2): a
client registered for it through the Management API is authenticated by an HMAC
assertion keyed with its secret, judged by the same rules as private_key_jwt's; neither
method's algorithms pass for the other's (RFC 8725 §3.1: `assertion_alg`, the registered
method's keys judging); its secret is sealed at rest, and follows rotation and a change
of method."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Iterator

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from api_server.settings import ThrottleSettings
from oauth_primitives import base64url
from tests.conftest import GIFT, WORLDMAPPERS, repo_settings, start_stack

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture(scope="module")
def tenant(tmp_path_factory) -> Iterator:
    """A tenant of its own, throttling no refusal: many are asked of one client here."""
    settings = repo_settings(throttle=ThrottleSettings(max_failures=100_000, window_seconds=1))
    stack = start_stack(tmp_path_factory.mktemp("csjwt") / "state", settings)
    yield stack
    stack.thread.stop()


def hmac_client(admin: httpx.Client, name: str = "HMAC Signer") -> tuple[str, str]:
    """A client registered for client_secret_jwt, granted World Mappers' directions."""
    created = admin.post(
        "/clients", json={"name": name, "token_endpoint_auth_method": "client_secret_jwt"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["token_endpoint_auth_method"] == "client_secret_jwt"
    admin.post(
        "/client-grants",
        json={"client_id": body["client_id"], "audience": WORLDMAPPERS, "scope": ["directions"]},
    ).raise_for_status()
    return body["client_id"], body["client_secret"]


def claims_for(client_id: str, aud: str, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": aud,
        "iat": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
    }
    return {k: v for k, v in {**claims, **overrides}.items() if v is not None}


def signed(secret: str, claims: dict, alg: str = "HS256") -> str:
    return jwt.encode(claims, secret.encode(), algorithm=alg)


def by_hand(key: str, claims: dict, alg: str = "HS256") -> str:
    """An HMAC JWS keyed with any text, a PEM too: PyJWT refuses a PEM as an HMAC key
    (its own guard against alg confusion), which an attacker's tool would not."""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    signing_input = (
        base64url.encode_json({"alg": alg, "typ": "JWT"}) + "." + base64url.encode_json(claims)
    )
    mac = hmac.new(key.encode(), signing_input.encode(), digest).digest()
    return signing_input + "." + base64url.encode(mac)


def post_assertion(stack, assertion: str, **extra) -> httpx.Response:
    return httpx.post(
        stack.token_url,
        data={
            "grant_type": "client_credentials",
            "audience": WORLDMAPPERS,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": assertion,
            **extra,
        },
    )


def refusal(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
    return response.json()["rule"]


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_each_hmac_signed_with_the_secret_gets_a_token(tenant, alg):
    client_id, secret = hmac_client(tenant.admin(), f"HMAC {alg}")
    for aud in (tenant.issuer, tenant.token_url):  # RFC 7523 §3: either names the server
        answer = post_assertion(tenant, signed(secret, claims_for(client_id, aud), alg))
        assert answer.status_code == 200, answer.text
        token = jwt.decode(answer.json()["access_token"], options={"verify_signature": False})
        assert token["sub"] == f"{client_id}@clients" and token["scope"] == "directions"


@pytest.fixture(scope="module")
def hmac_signer(tenant) -> tuple[str, str]:
    """One client_secret_jwt client for the tests that only ask for tokens."""
    return hmac_client(tenant.admin(), "Shared HMAC")


# Each flaw, and the rule that names it: exp and iat as seconds from now.
FLAWS = [
    ({"secret": "not-the-secret-" * 5}, "assertion_signature"),
    ({"aud": "https://elsewhere.example/"}, "assertion_audience"),
    ({"exp": -60}, "assertion_expired"),
    ({"exp": 3600}, "assertion_too_long"),
    ({"iat": 600}, "assertion_iat_future"),
    ({"sub": "someone-else"}, "assertion_subject"),
    ({"jti": None}, "assertion_claim_missing"),
]


@pytest.mark.parametrize(("flaw", "rule"), FLAWS, ids=[rule for _, rule in FLAWS])
def test_its_assertions_are_judged_by_the_rules_private_key_jwt_answers_to(
    tenant, hmac_signer, flaw, rule
):
    client_id, secret = hmac_signer
    flaw = dict(flaw)
    key = flaw.pop("secret", secret)
    for claim in ("exp", "iat"):
        if claim in flaw:
            flaw[claim] += int(time.time())
    aud = flaw.pop("aud", tenant.token_url)
    assertion = signed(key, claims_for(client_id, aud, **flaw))
    assert refusal(post_assertion(tenant, assertion)) == rule


def test_an_assertion_is_used_once(tenant, hmac_signer):
    client_id, secret = hmac_signer
    once = signed(secret, claims_for(client_id, tenant.issuer))
    assert post_assertion(tenant, once).status_code == 200
    assert refusal(post_assertion(tenant, once)) == "assertion_replayed"


def test_the_secret_itself_is_not_taken_in_place_of_an_assertion(tenant, hmac_signer):
    client_id, secret = hmac_signer
    for extra in ({}, {"auth": (client_id, secret)}):
        if extra:
            answer = httpx.post(
                tenant.token_url,
                data={"grant_type": "client_credentials", "audience": WORLDMAPPERS},
                auth=extra["auth"],
            )
        else:
            answer = tenant.token_response(client=(client_id, secret))
        assert refusal(answer) == "method_not_registered"
        assert "authenticates with client_secret_jwt" in answer.json()["error_description"]


def test_a_private_key_jwt_client_refuses_an_hmac_keyed_with_its_public_key(tenant):
    """RFC 8725 §3.1: the public key is public; an HMAC keyed with its PEM, as a server
    that let the assertion's alg choose the verification would take, proves nothing."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    admin = tenant.admin()
    created = admin.post(
        "/clients",
        json={
            "name": "Key Holder",
            "client_authentication_methods": {
                "private_key_jwt": {
                    "credentials": [{"credential_type": "public_key", "pem": pem, "alg": "RS256"}]
                }
            },
        },
    ).json()
    client_id = created["client_id"]
    admin.post(
        "/client-grants",
        json={"client_id": client_id, "audience": WORLDMAPPERS, "scope": ["directions"]},
    ).raise_for_status()
    for alg in ("HS256", "HS384", "HS512"):
        for keyed_with in (pem, pem.strip()):
            forged = by_hand(keyed_with, claims_for(client_id, tenant.token_url), alg)
            answer = post_assertion(tenant, forged)
            assert refusal(answer) == "assertion_alg"
            assert "this client's keys take RS256" in answer.json()["error_description"]
    # Its own secret (every client has one) signs nothing it takes either.
    secret = admin.post(f"/clients/{client_id}/rotate-secret").json()["client_secret"]
    hmac_signed = signed(secret, claims_for(client_id, tenant.token_url))
    assert refusal(post_assertion(tenant, hmac_signed)) == "assertion_alg"
    # …while its key does.
    good = jwt.encode(claims_for(client_id, tenant.token_url), key, algorithm="RS256")
    assert post_assertion(tenant, good).status_code == 200


def test_a_client_secret_jwt_client_refuses_an_assertion_signed_with_a_key(tenant, hmac_signer):
    client_id, _ = hmac_signer
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for alg in ("RS256", "PS256"):
        assertion = jwt.encode(claims_for(client_id, tenant.token_url), key, algorithm=alg)
        answer = post_assertion(tenant, assertion)
        assert refusal(answer) == "assertion_alg"
        said = answer.json()["error_description"]
        assert said == f"client_assertion is signed with {alg}; this client's secret takes " + (
            "HS256, HS384, HS512"
        )
    unsigned = jwt.encode(claims_for(client_id, tenant.token_url), None, algorithm="none")
    assert refusal(post_assertion(tenant, unsigned)) == "assertion_alg"


def test_a_rotated_secret_signs_and_the_old_one_no_longer_does(tenant):
    admin = tenant.admin()
    client_id, old = hmac_client(admin, "Rotating")
    new = admin.post(f"/clients/{client_id}/rotate-secret").json()["client_secret"]
    assert new != old
    stale = post_assertion(tenant, signed(old, claims_for(client_id, tenant.issuer)))
    assert refusal(stale) == "assertion_signature"
    fresh = post_assertion(tenant, signed(new, claims_for(client_id, tenant.issuer)))
    assert fresh.status_code == 200, fresh.text


def test_a_client_switched_to_client_secret_jwt_is_told_to_rotate_its_secret(stack):
    """Its secret was kept as a hash alone, which checks no HMAC: the refusal says to
    rotate, and the rotated secret signs. Switched back, the hash serves again and no
    sealed copy stays behind."""
    admin = stack.admin()
    gift = GIFT[0]
    patched = admin.patch(
        f"/clients/{gift}", json={"token_endpoint_auth_method": "client_secret_jwt"}
    )
    assert patched.status_code == 200, patched.text
    held = post_assertion(stack, by_hand(GIFT[1], claims_for(gift, stack.issuer)))
    assert refusal(held) == "no_registered_key"
    assert "rotate the client's secret" in held.json()["error_description"]
    secret = admin.post(f"/clients/{gift}/rotate-secret").json()["client_secret"]
    assert post_assertion(stack, signed(secret, claims_for(gift, stack.issuer))).status_code == 200
    back = admin.patch(
        f"/clients/{gift}", json={"token_endpoint_auth_method": "client_secret_post"}
    )
    assert back.status_code == 200, back.text
    assert stack.token_response(client=(gift, secret)).status_code == 200
    assert stack.authority.tenant.clients.get(gift).secret_sealed is None


def test_the_secret_is_kept_sealed_never_in_clear(stack):
    client_id, secret = hmac_client(stack.admin())
    state = stack.state_dir
    for name in ("tenant.db", "tenant.db-wal"):
        if (state / name).exists():
            assert secret.encode() not in (state / name).read_bytes()
    key_file = state / "client-secrets.key"
    assert (key_file.stat().st_mode & 0o777) == 0o600
    tenant = stack.authority.tenant
    sealed = tenant.clients.get(client_id).secret_sealed
    assert sealed and secret not in sealed
    assert tenant.sealing_key.box().open(client_id, sealed) == secret
    # Bound to its client: copied into another client's row, it opens to nothing.
    assert tenant.sealing_key.box().open(GIFT[0], sealed) is None
    # Without the key file, the database alone holds no usable secret.
    key_file.rename(state / "elsewhere.key")
    tenant.sealing_key._box = None  # the authority read it once; a restart would again
    refused = post_assertion(stack, signed(secret, claims_for(client_id, stack.issuer)))
    assert refusal(refused) == "no_registered_key"


async def test_introspection_and_revocation_take_the_same_assertion(tenant):
    from m2m_tui.config.profile import Profile
    from m2m_tui.oauth.token_request import TokenRequest, request_token
    from m2m_tui.oauth.token_status import introspect, revoke

    client_id, secret = hmac_client(tenant.admin(), "Introspecting")
    profile = Profile(
        name="hmac",
        issuer=tenant.issuer,
        client_id=client_id,
        audience=WORLDMAPPERS,
        auth_method="client_secret_jwt",
    )
    outcome = await request_token(TokenRequest.for_profile(profile, secret))
    assert outcome.ok, (outcome.error, outcome.description)
    assert "client_secret" not in outcome.exchange.request_body  # the secret never travels
    async with httpx.AsyncClient() as http:
        seen = await introspect(profile, secret, outcome.access_token, http)
        assert seen.ok and seen.body["active"] is True and seen.body["client_id"] == client_id
        assert (await revoke(profile, secret, outcome.access_token, http)).ok
        after = await introspect(profile, secret, outcome.access_token, http)
        assert after.ok and after.body == {"active": False}
        wrong = await introspect(profile, "not-the-secret-" * 5, outcome.access_token, http)
        assert wrong.error == "invalid_client"


def test_a_client_seeded_for_client_secret_jwt_signs_with_its_seeded_secret(tmp_path):
    from dataclasses import replace

    from oauth_primitives.server_table import ClientSeed, GrantSeed

    settings = repo_settings()
    secret = "a-seeded-secret-long-enough-for-hs256-0123456789"
    settings = replace(
        settings,
        clients=(
            *settings.clients,
            ClientSeed("seeded-hmac", "Seeded HMAC", secret, "client_secret_jwt"),
        ),
        client_grants=(
            *settings.client_grants,
            GrantSeed("seeded-hmac", WORLDMAPPERS, ("directions",)),
        ),
    )
    stack = start_stack(tmp_path / "state", settings)
    try:
        answer = post_assertion(stack, signed(secret, claims_for("seeded-hmac", stack.issuer)))
        assert answer.status_code == 200, answer.text
    finally:
        stack.thread.stop()
