"""Why was my token request refused? Each cause #47 names, as a user meets it: `token`
on failure, `diagnose --token-request`, against the bundled authority and against a
server that answers as other providers do (no code, generic words, no metadata)."""

from __future__ import annotations

import asyncio
import base64
import json
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from m2m_tui.diagnosis.token_request.report import Standing
from m2m_tui.oauth.token_request import TokenRequest, request_token
from m2m_tui.session.request_diagnosis import diagnose_refusal
from oauth_primitives import x509
from oauth_primitives.rules.closed_sets import AuthMethod
from oauth_primitives.token_refusals import Refusal
from tests.conftest import GIFT, WORLDMAPPERS, admin_client, run_cli, serve_app
from tests.helpers.sessions import make_session, write_config


def test_a_key_client_refused_is_never_told_to_check_its_secret(tmp_path, shared_stack):
    """The old hint said "Check the client secret" to every invalid_client."""
    write_config(
        tmp_path / "config.toml",
        shared_stack.issuer,
        shared_stack.api_url,
        keyed=(
            f'issuer = "{shared_stack.issuer}"\nclient_id = "giftdeliveries"\n'
            f'audience = "urn:worldmappers"\nauth_method = "private_key_jwt"\n'
            f'private_key_file = "{_key_file(tmp_path)}"'
        ),
    )
    result = run_cli(tmp_path, "--profile", "keyed", "token")
    assert result.returncode == 1
    err = result.stderr
    assert "Cause: method_not_registered" in err and "the server's rule" in err
    hint = err.split("hint: ", 1)[1].split("\n")[0]
    assert "client secret" not in hint and "auth_method" in hint
    # What was sent, decoded: the assertion's claims, and never a secret.
    assert "assertion claims" in err and '"iss": "giftdeliveries"' in err
    assert "✗  tenant" in err and "This client authenticates with client_secret_post" in err


def test_diagnose_token_request_json_on_refusal_and_on_success(tmp_path, shared_stack):
    write_config(
        tmp_path / "config.toml",
        shared_stack.issuer,
        shared_stack.api_url,
        greedy=(
            f'issuer = "{shared_stack.issuer}"\nclient_id = "giftdeliveries"\n'
            'client_secret = "giftdeliveries-local-secret"\naudience = "urn:worldmappers"\n'
            'scope = "directions geocode:location"'
        ),
    )
    refused = run_cli(tmp_path, "--profile", "greedy", "diagnose", "--token-request", "--json")
    assert refused.returncode == 1, refused.stderr
    body = json.loads(refused.stdout)
    assert body["cause"] == "scope_not_granted" and body["standing"] == "agree"
    assert body["told_by"] == "rule" and body["predicted_by"] == "management_api"
    assert body["fix_action"] == {
        "kind": "scopes",
        "target": "urn:worldmappers",
        "scopes": ["geocode:location"],
    }
    assert "giftdeliveries-local-secret" not in refused.stdout
    assert body["sent"]["asked"]["scope"] == "directions geocode:location"
    issued = run_cli(tmp_path, "diagnose", "--token-request")
    assert issued.returncode == 0 and "✓ Token issued (HTTP 200)" in issued.stdout
    assert "✓  method" in issued.stdout
    usage = run_cli(tmp_path, "diagnose", "--token-request", "/api/directions")
    assert usage.returncode == 2 and "not allowed with" in usage.stderr


def test_no_certificate_for_a_client_registered_for_mutual_tls(tmp_path, stack):
    pem, _key = x509.make_certificate("gift")
    with admin_client(stack.issuer) as mgmt:
        made = mgmt.post(
            f"/clients/{GIFT[0]}/credentials", json={"credential_type": "x509_cert", "pem": pem}
        )
        made.raise_for_status()
        mgmt.patch(
            f"/clients/{GIFT[0]}",
            json={
                "client_authentication_methods": {
                    "self_signed_tls_client_auth": {"credentials": [{"id": made.json()["id"]}]}
                }
            },
        ).raise_for_status()
    session = make_session(tmp_path, stack.issuer, stack.api_url)
    form = {"grant_type": "client_credentials", "client_id": GIFT[0], "audience": WORLDMAPPERS}
    request = TokenRequest(
        stack.token_url, form, {}, GIFT[0], False, AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH
    )

    async def go():
        outcome = await request_token(request)
        return outcome, await diagnose_refusal(session, outcome)

    outcome, found = asyncio.run(go())
    assert outcome.response["rule"] == "no_certificate"
    assert found.cause is Refusal.NO_CERTIFICATE and found.standing is Standing.AGREE
    certificate = next(c for c in found.checks if c.name == "certificate")
    assert (
        certificate.ok is False
        and "plain HTTP" in certificate.detail
        or ("names no client certificate" in certificate.detail)
    )
    assert "client_certificate" in found.fix_text


def test_the_throttles_429_is_named_as_the_throttle(tmp_path):
    from api_server.settings import ThrottleSettings
    from tests.conftest import repo_settings, start_stack

    # Three failures in a minute: on a busy machine, five in the usual second may not come.
    settings = repo_settings(throttle=ThrottleSettings(max_failures=3, window_seconds=60))
    stack = start_stack(tmp_path / "state", settings)
    try:
        _throttled(tmp_path, stack)
    finally:
        stack.thread.stop()


def _throttled(tmp_path, stack):
    session = make_session(tmp_path, stack.issuer, stack.api_url)
    form = {"grant_type": "client_credentials", "client_id": GIFT[0], "client_secret": "no"}
    request = TokenRequest(stack.token_url, form, {}, GIFT[0], False, AuthMethod.CLIENT_SECRET_POST)

    async def go():
        for _ in range(8):  # this stack locks out after 3 failures in a minute
            outcome = await request_token(request)
            if outcome.exchange.status == 429:
                return outcome, await diagnose_refusal(session, outcome)
        raise AssertionError("never throttled")

    outcome, found = asyncio.run(go())
    assert found.cause is Refusal.THROTTLED and found.told_by == "rule"
    assert "retry-after" in found.answer.headers
    assert "Retry-After" in found.fix_text or "wait" in found.fix_text.lower()


def _key_file(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    path = tmp_path / "client-key.pem"
    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    return path


def _literal_basic_server():
    """A token endpoint that compares the Basic secret as sent, without RFC 6749
    §2.3.1's form-decoding (as some servers do), answering as a generic provider:
    no code, no metadata, "invalid_client" alone."""

    async def token(request: Request):
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if scheme.lower() == "basic":
            pair = base64.b64decode(encoded).decode()
            ok = pair == "gift:s3cr3t+key%"
        else:
            ok = (form.get("client_id"), form.get("client_secret")) == ("gift", "s3cr3t+key%")
        if not ok:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        return JSONResponse({"access_token": "opaque-token", "token_type": "Bearer"})

    return Starlette(routes=[Route("/oauth/token", token, methods=["POST"])])


def test_a_basic_secret_a_server_does_not_decode_is_named_as_likely(tmp_path):
    url, thread = serve_app(_literal_basic_server())
    try:
        profile = (
            f'issuer = "{url}"\nprovider = "generic"\nclient_id = "gift"\n'
            f'client_secret = "s3cr3t+key%"\ntoken_endpoint = "{url}oauth/token"\n'
        )
        write_config(
            tmp_path / "config.toml",
            url,
            None,
            basic=profile + 'auth_method = "client_secret_basic"',
            post=profile + 'auth_method = "client_secret_post"',
        )
        refused = run_cli(tmp_path, "--profile", "basic", "diagnose", "--token-request", "--json")
        assert refused.returncode == 1, refused.stderr
        body = json.loads(refused.stdout)
        assert body["cause"] is None and body["standing"] == "untold"
        assert body["likely"] == "basic_encoding"
        assert 'auth_method = "client_secret_post"' in body["fix"]
        assert any("publishes no metadata" in n for n in body["notes"])
        assert "s3cr3t" not in refused.stdout
        # The fix it names works.
        fixed = run_cli(tmp_path, "--profile", "post", "token")
        assert fixed.returncode == 0 and fixed.stdout.strip() == "opaque-token"
    finally:
        thread.stop()


def test_the_readme_names_every_refusal_code():
    """The README's table of the token endpoint's refusals is complete."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### The refusals, and their codes", 1)[1].split("\n## ", 1)[0]
    missing = [r.value for r in Refusal if f"`{r.value}`" not in section]
    assert missing == []


def test_an_unknown_organization_is_named_and_foretold(tmp_path, org_stack):
    from tests.helpers.sessions import write_org_config

    write_org_config(tmp_path, org_stack, organization="initech")
    result = run_cli(tmp_path, "diagnose", "--token-request", "--json")
    assert result.returncode == 1, result.stderr
    body = json.loads(result.stdout)
    assert body["cause"] == "unknown_organization" and body["standing"] == "agree"
    assert body["sent"]["asked"]["organization"] == "initech"
    assert "organization" in body["fix"]


def test_assertion_audience_issuer_is_taken_and_a_typo_is_refused(tmp_path, stack):
    from cryptography.hazmat.primitives import serialization

    key_file = _key_file(tmp_path)
    key = serialization.load_pem_private_key(key_file.read_bytes(), None)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with admin_client(stack.issuer) as mgmt:
        made = mgmt.post(
            "/clients",
            json={
                "name": "Key Holder",
                "client_authentication_methods": {
                    "private_key_jwt": {
                        "credentials": [
                            {
                                "credential_type": "public_key",
                                "pem": public.decode(),
                                "alg": "ES256",
                            }
                        ]
                    }
                },
            },
        )
        made.raise_for_status()
        client_id = made.json()["client_id"]
        mgmt.post(
            "/client-grants",
            json={"client_id": client_id, "audience": WORLDMAPPERS, "scope": ["directions"]},
        ).raise_for_status()
    profile = (
        f'issuer = "{stack.issuer}"\nclient_id = "{client_id}"\naudience = "urn:worldmappers"\n'
        f'auth_method = "private_key_jwt"\nprivate_key_file = "{key_file}"\n'
    )
    write_config(
        tmp_path / "config.toml",
        stack.issuer,
        stack.api_url,
        rfc7523bis=profile + 'assertion_audience = "issuer"',
    )
    issued = run_cli(tmp_path, "--profile", "rfc7523bis", "diagnose", "--token-request", "--json")
    assert issued.returncode == 0, issued.stderr
    sent = json.loads(issued.stdout)["sent"]["assertion"]["claims"]
    assert sent["aud"] == stack.issuer
    write_config(
        tmp_path / "config.toml",
        stack.issuer,
        stack.api_url,
        typo=profile + 'assertion_audience = "isuer"',
    )
    typo = run_cli(tmp_path, "--profile", "typo", "token")
    assert typo.returncode == 2
    assert "assertion_audience must be token_endpoint" in typo.stderr
    assert "Traceback" not in typo.stderr


def test_a_proof_for_another_url_is_checked_and_named(tmp_path, shared_stack):
    from m2m_tui.oauth.dpop import generate_key

    session = make_session(tmp_path, shared_stack.issuer, shared_stack.api_url)
    key = generate_key()
    form = {
        "grant_type": "client_credentials",
        "client_id": GIFT[0],
        "client_secret": GIFT[1],
        "audience": WORLDMAPPERS,
    }
    elsewhere = shared_stack.issuer + "elsewhere"
    proof = key.proof("POST", elsewhere, nonce=None)
    request = TokenRequest(
        shared_stack.token_url,
        form,
        {"DPoP": proof},
        GIFT[0],
        False,
        AuthMethod.CLIENT_SECRET_POST,
    )

    async def go():
        outcome = await request_token(request)
        return outcome, await diagnose_refusal(session, outcome)

    outcome, found = asyncio.run(go())
    assert outcome.error == "invalid_dpop_proof"
    check = next(c for c in found.checks if c.name == "dpop proof")
    assert check.ok is False and elsewhere in check.detail
    assert "proof" in found.fix_text.lower()
