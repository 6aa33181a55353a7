"""Refusals the way they happen in the world, each built as the real provider or the
real mistake builds it, and each taken from a public thread (cited beside it). Every
case goes to two APIs that trust the same issuer: the bundled one and Auth0's Express
validator (express-oauth2-jwt-bearer). `diagnose` must name the cause with a stable
code, and follow what each server really answered: a refusal is explained, an
acceptance of what only some APIs refuse is a warning, never a failure."""

from __future__ import annotations

import base64
import json
import textwrap

import httpx
import pytest

from oauth_primitives.rules.access_token import Policy
from tests.conftest import claims, run_cli, signed
from tests.helpers.sessions import write_config

# A Microsoft tenant id and a kid of Microsoft's, as Graph's tokens carry them.
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
GRAPH_KID = "nOo3ZDrODXEK1jKWhXslHR_KXEg"


def groups(stack, size: int) -> dict:
    """Gift Deliveries' claims with enough group ids to make a token of about `size`
    bytes, as a directory with many groups makes one."""
    many = [f"{i:08x}-5e1d-4c2a-9b0e-{i:012x}" for i in range(size // 52)]
    return claims(stack, groups=many)


def token_for(case: str, stack) -> str:
    if case == "auth0-rbac":
        # https://github.com/auth0/node-oauth2-jwt-bearer/issues/58 and
        # https://community.auth0.com/t/insufficient-scope-but-my-token-contains-required-permissions/33710:
        # RBAC with "Add Permissions in the Access Token" puts them in `permissions`,
        # and requiredScopes() reads `scope`.
        return signed(stack, claims(stack, scope="openid profile", permissions=["directions"]))
    if case == "scope-case":
        # https://github.com/DuendeArchive/IdentityServer4/issues/884 ("scope names are an
        # exact match") and AzureAD/microsoft-authentication-library-for-objc#395: defined
        # as `Directions` at the issuer, checked as `directions` by the API.
        return signed(stack, claims(stack, scope="Directions"))
    if case == "permissions-case":
        # The same with RBAC: the permission defined as `Directions` in the dashboard.
        return signed(stack, claims(stack, scope="openid", permissions=["Directions"]))
    if case == "entra-scp":
        # Microsoft identity platform's access-token reference: a delegated token names its
        # scopes in scp (a string), which an API reading scope misses.
        return signed(stack, claims(stack, scope=None, scp="directions", ver="2.0"))
    if case == "scope-array":
        # RFC 9068 §2.2.3: scope is one space-separated string; custom claims code that
        # writes an array (Okta's scp shape) makes one Express reads and the bundled API
        # does not.
        return signed(stack, claims(stack, scope=["directions"]))
    if case == "graph":
        # https://github.com/AzureAD/azure-activedirectory-identitymodel-extensions-for-dotnet/issues/609:
        # a token for Microsoft Graph, its header's nonce hashed before Graph checks
        # the signature, sent to another API.
        payload = claims(
            stack,
            iss=f"https://sts.windows.net/{TENANT}/",
            aud="00000003-0000-0000-c000-000000000000",
            scope=None,
            scp="User.Read",
            ver="1.0",
        )
        return signed(stack, payload, nonce="AQABAAAAAABnfiG-mA6NTae7CdWW7Qfd", kid=GRAPH_KID)
    if case == "management-api":
        # https://github.com/LawJolla/prisma-auth0-example/issues/2: the Management API's
        # audience (…/api/v2/) where one's own API's belongs.
        return signed(stack, claims(stack, aud=stack.issuer + "api/v2/"))
    if case == "crit":
        # RFC 7515 §4.1.11: an extension the API must understand, and does not.
        return signed(stack, claims(stack), crit=["urn:example:ext"], **{"urn:example:ext": 1})
    if case == "9k":
        # https://github.com/redhat-data-and-ai/template-ui/issues/236: Keycloak tokens of
        # ~9 KiB with their group and role claims.
        return signed(stack, groups(stack, 9 * 1024))
    if case == "17k":
        # https://github.com/DouglasNeuroInformatics/OpenDataCapture/issues/1534: a token
        # past Node's 16 KiB for all headers, answered 431.
        return signed(stack, groups(stack, 17 * 1024))
    if case == "signature-cut-off":
        # RFC 7515 §7.1: a JWS has three parts; the third lost when the token was copied.
        return signed(stack, claims(stack)).rsplit(".", 1)[0]
    if case == "shortened":
        # A token copied from a log or a UI that shows long values shortened with an
        # ellipsis (no thread: the class, built as such displays build it).
        whole = signed(stack, claims(stack))
        return whole[:60] + "…" + whole[-20:]
    if case == "basic":
        # RFC 7617: the client's Basic credentials (base64 of id:secret) where the bearer
        # token belongs.
        return base64.b64encode(b"giftdeliveries:giftdeliveries-local-secret").decode()
    raise AssertionError(case)


# case -> (the check that names it, the cause's code, words its detail must hold)
CASES = {
    "auth0-rbac": ("scope", "permissions_claim", "permissions"),
    "scope-case": ("scope", "scope_case", "differs only by case"),
    "permissions-case": ("scope", "scope_case", "differs only by case"),
    "entra-scp": ("scope", "scp_claim", "scp"),
    "scope-array": ("scope", "scope_shape", "non-standard shape"),
    "graph": ("kid", "graph_token", "Microsoft Graph token"),
    "management-api": ("aud", "management_api_token", "Management API token"),
    "crit": ("crit", "crit_header", "crit lists urn:example:ext"),
    "9k": ("format", "too_large", "crosses"),
    "17k": ("format", "too_large", "Node.js"),
    "signature-cut-off": ("format", "signature_cut_off", "without its signature"),
    "shortened": ("format", "shortened", "shortened for display"),
    "basic": ("format", "basic_credentials", "HTTP Basic credentials"),
}


def diagnose(tmp_path, stack, url: str, token: str) -> tuple[dict, int]:
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    result = run_cli(tmp_path, "diagnose", url, "--token", token, "--json")
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout), result.returncode


@pytest.mark.parametrize("api", ["bundled", "express"])
@pytest.mark.parametrize("case", list(CASES))
def test_diagnose_names_the_cause_and_follows_the_server(tmp_path, apis, api, case):
    stack, urls = apis
    token = token_for(case, stack)
    url = urls[api].rstrip("/") + "/api/directions?destination=Paris"
    # As curl sends it: UTF-8 bytes, should the token hold a character beyond ASCII.
    sent = {"Authorization": f"Bearer {token}".encode()}
    status = httpx.get(url, headers=sent).status_code
    report, code = diagnose(tmp_path, stack, url, token)
    assert report["server"]["status"] == status
    name, cause, words = CASES[case]
    if case == "17k" and status == 431:  # Node's parser answered before the validator
        name = "size"
    check = next(c for c in report["checks"] if c["name"] == name)
    assert check["cause"] == cause and words in check["detail"], check
    assert check["fix"], check
    if status == 200:  # Express reads what the bundled API refuses: a warning, not a failure
        assert check["ok"] is None and report["failed"] == [], report["failed"]
        assert report["agreement"] == "agree" and code == 0
        return
    assert status in (401, 403, 431), status
    assert report["causes"][0] == cause, report["causes"]
    assert report["verdict"] == "rejected" and code == 1
    assert report["agreement"] == "agree", report["agreement_text"]


# What people paste, and what the same token looks like in each.
def pasted_forms(token: str) -> list[str]:
    return [
        f'"{token}"',
        f"Bearer {token}\n",
        f"Authorization: Bearer {token}",
        f'"access_token": "{token}",',
        json.dumps({"access_token": token, "token_type": "Bearer", "expires_in": 86400}),
        "\n".join(textwrap.wrap(token, 76)),
        f"\u201c{token}\u201d",  # quotes as a chat app turns them
        f"\u200b{token}\u200b",  # zero-width spaces a chat app adds
        f"https://app.example/callback#access_token={token}&token_type=Bearer&expires_in=60",
    ]


@pytest.mark.parametrize("api", ["bundled", "express"])
def test_a_pasted_token_is_cleaned_and_the_cleaned_one_is_sent(tmp_path, apis, api):
    # What is sent is what was checked: every form of a good token is accepted, and
    # the report says what was removed.
    stack, urls = apis
    token = signed(stack, claims(stack))
    url = urls[api].rstrip("/") + "/api/directions?destination=Paris"
    for text in pasted_forms(token):
        report, code = diagnose(tmp_path, stack, url, text)
        assert report["server"]["status"] == 200, (text[:40], report["server"])
        assert report["verdict"] == "accepted" and report["failed"] == [] and code == 0
        assert report["cleaned"], text[:40]


@pytest.mark.parametrize("api", ["bundled", "express"])
def test_a_proxy_that_drops_the_header_is_named_and_nothing_else_blamed(tmp_path, apis, api):
    # https://github.com/encode/django-rest-framework/issues/488: Apache's mod_wsgi drops
    # Authorization unless told otherwise; here nginx, told to drop it, in front.
    from tests.helpers.nginx_proxy import start_dropping_proxy

    stack, urls = apis
    proxy = start_dropping_proxy(urls[api], tmp_path / "nginx")
    try:
        url = proxy.url + "/api/directions?destination=Paris"
        report, code = diagnose(tmp_path, stack, url, signed(stack, claims(stack)))
    finally:
        proxy.stop()
    assert report["server"]["status"] == 401
    assert report["failed"] == ["delivery"] and report["causes"] == ["authorization_dropped"]
    check = report["checks"][0]
    assert "never reached the API" in check["detail"] and "WSGIPassAuthorization" in check["fix"]
    # Not the token's fault: no clock, key or strict-rule theories.
    assert report["agreement"] == "agree" and "clock" not in report["agreement_text"]
    assert not any(c["name"] == "strict" for c in report["checks"]) and code == 1


@pytest.fixture(scope="module")
def trusting(apis, tmp_path_factory):
    """`trusting(issuer)`: both APIs configured for another provider's issuer, with the
    bundled issuer's keys standing in for that provider's (the JWKS URI is given, as it
    is for an API behind any provider). Returns each API's URL and the issuer exactly as
    it expects it (the bundled API writes issuers Auth0's way, with a trailing slash)."""
    from dataclasses import replace

    from tests.conftest import repo_settings, start_stack
    from tests.interop.conftest import start_express

    stack, _ = apis
    jwks_uri = stack.issuer + ".well-known/jwks.json"
    settings = repo_settings()
    settings = replace(settings, api=replace(settings.api, jwks_uri=jwks_uri))
    started: dict[str, dict] = {}
    running = []

    def start(issuer: str) -> dict[str, tuple[str, str]]:
        if issuer not in started:
            folder = tmp_path_factory.mktemp("foreign")
            bundled = start_stack(folder / "state", settings, only="api", issuer=issuer)
            running.append(bundled.thread.stop)
            express = start_express(issuer, jwks_uri, folder)
            running.append(express.proc.keep_for_fixture().stop)  # a test asked; kept on
            normalised = bundled.issuer or issuer.rstrip("/") + "/"
            started[issuer] = {
                "bundled": (bundled.api_url, normalised),
                "express": (express.url, issuer),
            }
        return started[issuer]

    yield start
    for stop in reversed(running):
        stop()


def diagnose_in_process(stack, url: str, token: str, issuer: str):
    """As `diagnose` does for an API that trusts `issuer` (the JWKS read from the stand-in
    keys: the real provider is not on loopback)."""
    from m2m_tui.diagnosis.token_checks import Expectations, ServerAnswer, run_checks

    answer = httpx.get(
        url + "/api/directions?destination=Paris", headers={"Authorization": f"Bearer {token}"}
    )
    server = ServerAnswer.from_headers(answer.status_code, dict(answer.headers), answer.text)
    jwks = httpx.get(stack.issuer + ".well-known/jwks.json").json()
    expect = Expectations(Policy(issuer, "urn:worldmappers"), "directions")
    return run_checks(token, expect, jwks, server)


# provider -> (its issuer, the claims its token has instead of the API's aud, the cause,
# words of the fix that fits that provider)
PROVIDERS = {
    # https://github.com/keycloak/keycloak/issues/35262 and
    # https://github.com/oauth2-proxy/oauth2-proxy/issues/1931: without an Audience
    # mapper, Keycloak's tokens are for `account`.
    "keycloak": (
        "http://127.0.0.1:8080/realms/acme",
        {"aud": "account"},
        "keycloak_audience",
        "Audience mapper",
    ),
    # https://github.com/mastra-ai/mastra/issues/21111 and
    # https://github.com/omniauth/omniauth-okta/pull/9: the default authorization
    # server's audience, api://default.
    "okta": (
        "https://acme.okta.com/oauth2/default",
        {"aud": "api://default"},
        "okta_default_audience",
        "Authorization Servers",
    ),
    # https://github.com/DuendeArchive/IdentityModel/issues/555 and
    # https://github.com/awslabs/aws-support-tools/issues/97: Cognito access tokens carry
    # client_id and token_use, and no aud.
    "cognito": (
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
        {"aud": None, "client_id": "3n4b5urk1ft4fl3mg5e62d9ado", "token_use": "access"},
        "cognito_no_aud",
        "token_use",
    ),
}


@pytest.mark.parametrize("api", ["bundled", "express"])
@pytest.mark.parametrize("provider", list(PROVIDERS))
def test_another_providers_default_audience_is_named(apis, trusting, api, provider):
    stack, _ = apis
    issuer, aud, cause, words = PROVIDERS[provider]
    url, expected = trusting(issuer)[api]
    token = signed(stack, claims(stack, iss=expected, **aud))
    diagnosis = diagnose_in_process(stack, url, token, expected)
    assert diagnosis.server.status == 401
    assert diagnosis.failed == ["aud"] and diagnosis.causes == [cause], diagnosis.failed
    assert diagnosis.agreement == "agree", diagnosis.agreement_text
    check = next(c for c in diagnosis.checks if c.name == "aud")
    assert words in check.fix, check.fix


@pytest.mark.parametrize("api", ["bundled", "express"])
def test_an_entra_v1_token_at_a_v2_api_names_the_version_split(apis, trusting, api):
    # https://github.com/AzureAD/microsoft-authentication-library-for-js/issues/560 and
    # https://github.com/AzureAD/microsoft-authentication-library-for-python/issues/600:
    # the API's registration asks for v1.0 tokens (accessTokenAcceptedVersion null),
    # the API validates v2.0 ones.
    stack, _ = apis
    url, expected = trusting(f"https://login.microsoftonline.com/{TENANT}/v2.0")[api]
    token = signed(stack, claims(stack, iss=f"https://sts.windows.net/{TENANT}/", ver="1.0"))
    diagnosis = diagnose_in_process(stack, url, token, expected)
    assert diagnosis.server.status == 401
    assert diagnosis.failed == ["iss"] and diagnosis.causes == ["entra_token_version"]
    check = next(c for c in diagnosis.checks if c.name == "iss")
    assert "v1.0 token" in check.detail and "accessTokenAcceptedVersion" in check.fix
    assert diagnosis.agreement == "agree"
