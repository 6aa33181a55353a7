"""Preview and the bundled token endpoint judge a token request by one rule book: for
token requests generated along every axis the authority judges (the audience, the
grant, the scopes asked, the grant's organization usage and the organization named, the
API's dialect and RBAC, the client's registered method against the one used, and an
assertion's claims, private_key_jwt's or client_secret_jwt's), Preview's verdict and the
token endpoint's answer carry the same `Refusal` code, and an issued token has the claims
Preview showed.

What Preview cannot know is not generated: a secret's value, an assertion's signature
and a jti's reuse (only the authority holds the secret, the key's PEM and the memory of
jtis), and whether a DPoP proof or a certificate will come. Examples are drawn
deterministically (derandomize), bounded by the suite's `ci` profile.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import event, given, settings
from hypothesis import strategies as st

from api_server.settings import ThrottleSettings
from m2m_tui.admin.management_api import ManagementClient
from m2m_tui.preview.next_token import preview
from oauth_primitives.rules.closed_sets import AuthMethod, Dialect
from tests.conftest import ADMIN, GIFT, WORLDMAPPERS, mint, repo_settings, start_stack
from tests.helpers.rule_agreement import PROFILE

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Each example changes the tenant a dozen times: a few dozen cover every axis.
EXAMPLES = min(settings.get_profile(PROFILE).max_examples, 60)
ASSERTIONS = (
    "good",
    "aud_elsewhere",
    "expired",
    "too_long",
    "sub_other",
    "iat_future",
    "kid_unknown",
    "alg_other",
    "no_jti",
    "iss_only",  # a JWT with no sub, aud, exp or jti at all
    "exp_text",  # PyJWT would say why in its own words; the rule book names a code
)


@dataclass
class Tenant:
    issuer: str
    admin: httpx.Client
    api_id: str
    grants: dict[str, str]  # client id -> its grant's id on World Mappers
    key_client: str
    key: ec.EllipticCurvePrivateKey
    kid: str
    hmac_client: str  # registered for client_secret_jwt
    hmac_secret: str
    other_key: rsa.RSAPrivateKey  # registered for no one
    management_token: str
    arranged: dict  # the tenant's settings as the last example left them


@pytest.fixture(scope="module")
def tenant(tmp_path_factory) -> Iterator[Tenant]:
    """The shipped tenant, with a client registered by a P-521 key (ES512, as m2m-tui
    signs with such a key) and one for client_secret_jwt, acme associated with the
    three clients' grants, globex not."""
    settings = repo_settings(throttle=ThrottleSettings(max_failures=100_000, window_seconds=1))
    stack = start_stack(tmp_path_factory.mktemp("issuance") / "state", settings)
    admin = stack.admin()
    key = ec.generate_private_key(ec.SECP521R1())
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    credential = {"credential_type": "public_key", "pem": pem.decode(), "alg": "ES512"}
    created = admin.post(
        "/clients",
        json={
            "name": "Key Holder",
            "client_authentication_methods": {"private_key_jwt": {"credentials": [credential]}},
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    key_client = body["client_id"]
    kid = body["client_authentication_methods"]["private_key_jwt"]["credentials"][0]["id"]
    hmac = admin.post(
        "/clients", json={"name": "HMAC Signer", "token_endpoint_auth_method": "client_secret_jwt"}
    ).json()
    for client_id in (key_client, hmac["client_id"]):
        admin.post(
            "/client-grants",
            json={"client_id": client_id, "audience": WORLDMAPPERS, "scope": ["directions"]},
        ).raise_for_status()
    grants = {
        g["client_id"]: g["id"]
        for g in admin.get("/client-grants", params={"audience": WORLDMAPPERS}).json()
        if g["client_id"] in (GIFT[0], key_client, hmac["client_id"])
    }
    acme = admin.post("/organizations", json={"name": "acme"}).json()
    admin.post("/organizations", json={"name": "globex"}).raise_for_status()
    for grant in grants.values():
        linked = admin.post(f"/organizations/{acme['id']}/client-grants", json={"grant_id": grant})
        assert linked.status_code in (200, 201), linked.text
    api_id = next(
        r["id"] for r in admin.get("/resource-servers").json() if r["identifier"] == WORLDMAPPERS
    )
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    management = mint(stack.issuer, ADMIN, stack.issuer + "api/v2/")
    yield Tenant(
        stack.issuer,
        admin,
        api_id,
        grants,
        key_client,
        key,
        kid,
        hmac["client_id"],
        hmac["client_secret"],
        other,
        management,
        {},
    )
    stack.thread.stop()


def weighted(common, *rare) -> st.SearchStrategy:
    """`common` three times as often as each of the `rare`: the rules late in the
    authority's order are reached only by requests the early ones let through."""
    return st.sampled_from((common, common, common, *rare))


@st.composite
def requests(draw) -> dict:
    dialect = draw(st.sampled_from(tuple(Dialect)))
    client, used = draw(
        st.sampled_from(
            (
                *[("gift", "secret")] * 3,
                *[("key", "assertion")] * 3,
                *[("hmac", "hmac_assertion")] * 3,
                ("key", "secret"),  # a method the client is not registered for
                ("gift", "assertion"),
                ("hmac", "secret"),  # its secret sent, not signed with
                ("hmac", "assertion"),  # signed with a key, not with its secret
                ("key", "hmac_assertion"),  # an HMAC where a key must sign
            )
        )
    )
    return {
        "audience": draw(weighted("granted", "unknown", "ungranted")),
        "scope": draw(st.sampled_from((None, "directions", "directions everything"))),
        "usage": draw(st.sampled_from(("deny", "allow", "require"))),
        "allow_any": draw(st.booleans()),
        "organization": draw(st.sampled_from((None, "acme", "globex", "nowhere"))),
        "dialect": dialect,
        # RBAC off for an *_authz dialect is refused by the Management API itself.
        "rbac": True if dialect.needs_rbac else draw(st.booleans()),
        "client": client,
        "used": used,
        "assertion": draw(weighted("good", *ASSERTIONS[1:])),
    }


def assertion(t: Tenant, client_id: str, variant: str, hmac: bool = False) -> str:
    """An assertion with the flaw `variant` names, signed with the key client's key, or
    (`hmac`) with the HMAC client's secret: HS512 (alg_other: HS256, which it also
    takes), whatever client it claims to be."""
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": t.issuer + "oauth/token",
        "iat": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
    }
    headers: dict = {}
    key, alg = t.key, "ES512"
    if variant == "aud_elsewhere":
        claims["aud"] = "https://elsewhere.example/"
    elif variant == "expired":
        claims["exp"] = now - 60
    elif variant == "too_long":
        claims["exp"] = now + 3600
    elif variant == "sub_other":
        claims["sub"] = "someone-else"
    elif variant == "iat_future":
        claims["iat"] = now + 600
    elif variant == "kid_unknown":
        headers["kid"] = "cred_unknown"
    elif variant == "alg_other":
        key, alg = t.other_key, "RS384"
    elif variant == "no_jti":
        del claims["jti"]
    elif variant == "exp_text":
        claims["exp"] = "soon"
    elif variant == "iss_only":
        claims = {"iss": client_id}
    if variant == "good":
        headers["kid"] = t.kid
    if hmac:
        key, alg = t.hmac_secret.encode(), "HS256" if variant == "alg_other" else "HS512"
    return jwt.encode(claims, key, algorithm=alg, headers=headers or None)


def arrange(t: Tenant, case: dict) -> None:
    """The tenant as the case wants it: the API's dialect and RBAC, both grants' usage."""
    wanted = {k: case[k] for k in ("dialect", "rbac", "usage", "allow_any")}
    if wanted == t.arranged:
        return
    t.arranged = wanted
    changed = t.admin.patch(
        f"/resource-servers/{t.api_id}",
        json={"token_dialect": case["dialect"], "enforce_policies": case["rbac"]},
    )
    assert changed.status_code == 200, changed.text
    for grant in t.grants.values():
        changed = t.admin.patch(
            f"/client-grants/{grant}",
            json={"organization_usage": case["usage"], "allow_any_organization": case["allow_any"]},
        )
        assert changed.status_code == 200, changed.text


def form(t: Tenant, case: dict, client_id: str, audience: str) -> tuple[dict, AuthMethod]:
    body = {"grant_type": "client_credentials", "client_id": client_id, "audience": audience}
    if case["scope"] is not None:
        body["scope"] = case["scope"]
    if case["organization"] is not None:
        body["organization"] = case["organization"]
    if case["used"] in ("assertion", "hmac_assertion"):
        hmac = case["used"] == "hmac_assertion"
        body["client_assertion_type"] = JWT_BEARER
        body["client_assertion"] = assertion(t, client_id, case["assertion"], hmac)
        return body, AuthMethod.CLIENT_SECRET_JWT if hmac else AuthMethod.PRIVATE_KEY_JWT
    # The key client's real secret is none of the test's business: a secret it is not
    # registered to use is refused before any secret is compared.
    body["client_secret"] = {GIFT[0]: GIFT[1], t.hmac_client: t.hmac_secret}.get(
        client_id, "not-its-secret"
    )
    return body, AuthMethod.CLIENT_SECRET_POST


async def previewed(t: Tenant, client_id, audience, body, used):
    async with httpx.AsyncClient() as http:
        mgmt = ManagementClient(t.issuer, t.management_token, http)
        return await preview(
            mgmt,
            t.issuer,
            client_id,
            audience,
            requested_scope=body.get("scope"),
            organization=body.get("organization"),
            used=used,
            assertion=body.get("client_assertion"),
        )


@settings(settings.get_profile(PROFILE), max_examples=EXAMPLES)
@given(case=requests())
def test_preview_and_the_token_endpoint_name_the_same_refusal(tenant, case):
    t = tenant
    arrange(t, case)
    client_id = {"gift": GIFT[0], "key": t.key_client, "hmac": t.hmac_client}[case["client"]]
    audience = {
        "granted": WORLDMAPPERS,
        "unknown": "urn:nowhere",
        "ungranted": t.issuer + "api/v2/",  # the Management API: neither client's grant
    }[case["audience"]]
    body, used = form(t, case, client_id, audience)
    found = asyncio.run(previewed(t, client_id, audience, body, used))
    answer = httpx.post(t.issuer + "oauth/token", data=body)
    said = answer.json()
    event(f"{case['client']}/{case['used']} {answer.status_code} {said.get('rule', 'issued')}")
    if answer.status_code == 200:
        assert found.rule is None, (case, found.rule, found.refusal_words)
        claims = jwt.decode(said["access_token"], options={"verify_signature": False})
        assert set(found.claims) == set(claims), (case, set(found.claims) ^ set(claims))
        return
    assert said.get("rule") is not None, (case, said)
    assert found.rule is not None and found.rule.value == said["rule"], (case, found.rule, said)
    assert found.refusal.error == said["error"], (case, said)


async def test_m2m_tui_signs_es512_with_a_p521_key_and_the_authority_takes_it(tenant, tmp_path):
    """The client picks ES512 for a P-521 key; the authority registers and verifies it
    (both from closed_sets.CLIENT_ASSERTION)."""
    from m2m_tui.config.profile import Profile
    from m2m_tui.oauth.token_request import TokenRequest, request_token

    t = tenant
    arrange(t, {"dialect": "access_token", "rbac": False, "usage": "deny", "allow_any": False})
    pem = tmp_path / "client.pem"
    pem.write_bytes(
        t.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    profile = Profile(
        name="p521",
        issuer=t.issuer,
        client_id=t.key_client,
        audience=WORLDMAPPERS,
        auth_method="private_key_jwt",
        private_key_file=str(pem),
    )
    outcome = await request_token(TokenRequest.for_profile(profile, None))
    assert outcome.ok, (outcome.error, outcome.description)
