"""RFC 8705 against a certified provider: m2m-tui gets certificate-bound tokens from
panva's oidc-provider with self_signed_tls_client_auth and with tls_client_auth, the
bundled API validates them (200 with the certificate, 401 without it or with another),
Auth0's Express validator (which knows no binding) takes them either way, and the
diagnosis follows each server's answer."""

from __future__ import annotations

import contextlib
import json

import httpx
import jwt
import pytest

from oauth_primitives import x509
from tests.conftest import WORLDMAPPERS, repo_settings, run_cli, start_stack
from tests.interop.conftest import start_express
from tests.interop.mtls_provider import start_mtls_provider


@pytest.fixture(scope="module")
def mtls(tmp_path_factory):
    """The provider; the bundled API behind nginx as its TLS edge (any client certificate
    taken, forwarded in Auth0's headers, believed from 127.0.0.1 alone); Express."""
    from tests.helpers.nginx_proxy import start_tls_edge

    # Each start is undone by the ExitStack, so one that fails halfway (nginx refusing
    # its config, a peer that never answers) stops the servers started before it.
    with contextlib.ExitStack() as running:
        provider = start_mtls_provider(tmp_path_factory.mktemp("oidc-mtls"))
        running.callback(provider.proc.stop)
        api = start_stack(
            provider.state,
            repo_settings(),
            only="api",
            tls="both",  # its own listener is TLS too: it trusts the local CA to fetch keys
            issuer=provider.issuer,
            trusted_edges=("127.0.0.1",),
        )
        running.callback(api.thread.stop)
        edge = start_tls_edge(api.api_url, tmp_path_factory.mktemp("edge"), provider.tls)
        running.callback(edge.stop)
        express = start_express(
            provider.issuer,
            provider.issuer + "/jwks",
            tmp_path_factory.mktemp("express-mtls"),
            ca=provider.tls.ca,
        )
        running.callback(express.proc.stop)
        yield provider, {"bundled": edge.url, "express": express.url}


def profile(provider, client_id: str, api_url: str, with_cert: bool = True) -> str:
    cert, key = provider.certs[client_id]
    lines = [
        f'issuer = "{provider.issuer}"',
        f'client_id = "{client_id}"',
        'provider = "generic"',
        f'resource = "{WORLDMAPPERS}"',
        'scope = "directions"',
        f'api_base_url = "{api_url}"',
    ]
    if with_cert:
        method = "self_signed_tls_client_auth" if client_id == "mtls-self" else "tls_client_auth"
        lines += [
            f'auth_method = "{method}"',
            f'client_certificate = "{cert}"',
            f'client_key = "{key}"',
        ]
    else:
        lines.append('client_secret = "unused"')
    return "\n".join(lines)


def config(tmp_path, provider, api_url: str) -> dict:
    body = ['default_profile = "mtls-self"']
    for name, client, cert in (
        ("mtls-self", "mtls-self", True),
        ("mtls-pki", "mtls-pki", True),
        ("no-cert", "mtls-self", False),
    ):
        body += ["", f"[profiles.{name}]", profile(provider, client, api_url, cert)]
    (tmp_path / "config.toml").write_text("\n".join(body) + "\n")
    return {"SSL_CERT_FILE": str(provider.tls.ca)}


@pytest.mark.parametrize("client_id", ["mtls-self", "mtls-pki"])
def test_m2m_tui_gets_a_bound_token_and_the_bundled_api_holds_it_to_the_certificate(
    tmp_path, mtls, client_id
):
    provider, apis = mtls
    env = config(tmp_path, provider, apis["bundled"])
    got = run_cli(tmp_path, "--profile", client_id, "token", env=env)
    assert got.returncode == 0, got.stderr
    token = got.stdout.strip()
    cert = provider.certs[client_id][0].read_text()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["cnf"] == {"x5t#S256": x509.thumbprint(x509.der_of(cert))}
    called = run_cli(
        tmp_path, "--profile", client_id, "call", "/api/directions?destination=Paris", env=env
    )
    assert called.returncode == 0, called.stderr
    report = run_cli(
        tmp_path,
        "--profile",
        "no-cert",
        "diagnose",
        "/api/directions?destination=Paris",
        "--token",
        token,
        "--json",
        env=env,
    )
    body = json.loads(report.stdout)
    assert body["server"]["status"] == 401 and body["server"]["rule"] == "cert_missing"
    assert body["causes"] == ["certificate_missing"] and body["agreement"] == "agree"


def test_express_knows_no_binding_and_the_diagnosis_follows_it(tmp_path, mtls):
    provider, apis = mtls
    env = config(tmp_path, provider, apis["express"])
    token = run_cli(tmp_path, "token", env=env).stdout.strip()
    url = apis["express"] + "/api/directions"
    assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    report = run_cli(
        tmp_path, "--profile", "no-cert", "diagnose", url, "--token", token, "--json", env=env
    )
    body = json.loads(report.stdout)
    assert body["server"]["status"] == 200 and body["failed"] == []
    check = next(c for c in body["checks"] if c["name"] == "certificate")
    assert check["ok"] is None and "accepted it all the same" in check["detail"]
    assert body["agreement"] == "agree" and report.returncode == 0
