"""Mutual TLS as a user does it with m2m-tui, against the bundled servers over TLS:
create a certificate, register it for the client, get a token with
self_signed_tls_client_auth (bound to the certificate where the API asks), call the API
with it (200), and see the token refused without the certificate, the cause named."""

from __future__ import annotations

import json

import jwt

from tests.conftest import run_cli
from tests.helpers.mtls import admin
from tests.helpers.sessions import write_config


def test_create_register_token_call_and_the_refusal_explained(tls_stack, tmp_path):
    stack = tls_stack
    certs = tmp_path / "state" / "certs"
    write_config(
        tmp_path / "config.toml",
        stack.issuer,
        stack.api_url,
        mtls=(
            f'issuer = "{stack.issuer}"\nclient_id = "giftdeliveries"\n'
            'audience = "urn:worldmappers"\nauth_method = "self_signed_tls_client_auth"\n'
            f'client_certificate = "{certs / "gift.pem"}"\n'
            f'client_key = "{certs / "gift-key.pem"}"\napi_base_url = "{stack.api_url}"'
        ),
    )
    env = {"SSL_CERT_FILE": str(stack.state_dir / "tls" / "ca.pem")}
    made = run_cli(tmp_path, "certs", "create", "gift", "--json", env=env)
    assert made.returncode == 0, made.stderr
    thumbprint = json.loads(made.stdout)["x5t#S256"]
    # Before it is registered, the server's TLS handshake turns the certificate away.
    early = run_cli(tmp_path, "--profile", "mtls", "token", env=env)
    assert early.returncode != 0 and "does not trust this profile's client certificate" in (
        early.stderr
    )
    # …and so does the API's: a call with any token is never judged, and is said so.
    plain = run_cli(tmp_path, "--profile", "gift", "token", env=env).stdout.strip()
    turned = run_cli(
        tmp_path,
        "--profile",
        "mtls",
        "diagnose",
        "/api/directions?destination=Paris",
        "--token",
        plain,
        "--json",
        env=env,
    )
    assert turned.returncode == 3, turned.stderr
    assert json.loads(turned.stdout)["causes"] == ["certificate_untrusted"]
    registered = run_cli(
        tmp_path, "--profile", "mtls", "certs", "register", "gift", "giftdeliveries", env=env
    )
    assert registered.returncode == 0, registered.stderr
    assert "self_signed_tls_client_auth" in registered.stdout
    mgmt = admin(stack)
    v2 = stack.issuer + "api/v2"
    rs = mgmt.get(f"{v2}/resource-servers/urn:worldmappers").json()
    mgmt.patch(
        f"{v2}/resource-servers/{rs['id']}",
        json={"proof_of_possession": {"mechanism": "mtls", "required": True}},
    ).raise_for_status()
    try:
        got = run_cli(tmp_path, "--profile", "mtls", "token", "--no-cache", env=env)
        assert got.returncode == 0, got.stderr
        token = got.stdout.strip()
        assert jwt.decode(token, options={"verify_signature": False})["cnf"] == {
            "x5t#S256": thumbprint
        }
        called = run_cli(
            tmp_path, "--profile", "mtls", "call", "/api/directions?destination=Paris", env=env
        )
        assert called.returncode == 0, called.stderr
        # The same token from a profile that presents no certificate: refused, explained.
        report = run_cli(
            tmp_path,
            "--profile",
            "gift",
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
        check = next(c for c in body["checks"] if c["name"] == "certificate")
        assert "client_certificate" in check["fix"]
    finally:
        mgmt.patch(f"{v2}/resource-servers/{rs['id']}", json={"proof_of_possession": None})


def test_certs_and_profiles_say_what_is_wrong(tmp_path):
    write_config(
        tmp_path / "config.toml",
        "https://127.0.0.1:9/",
        None,
        loose=(
            'issuer = "https://127.0.0.1:9/"\nclient_id = "c"\n'
            'auth_method = "self_signed_tls_client_auth"\n'
            f'client_certificate = "{tmp_path / "state" / "certs" / "x.pem"}"\n'
            f'client_key = "{tmp_path / "state" / "certs" / "x-key.pem"}"'
        ),
    )
    made = run_cli(tmp_path, "certs", "create", "x")
    assert made.returncode == 0, made.stderr
    key = tmp_path / "state" / "certs" / "x-key.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    again = run_cli(tmp_path, "certs", "create", "x")
    assert again.returncode == 2 and "exists already" in again.stderr
    issued = run_cli(tmp_path, "certs", "create", "y", "--issued")
    assert issued.returncode == 1 and "no local client CA" in issued.stderr
    key.chmod(0o644)  # a private key others can read is refused, as ssh refuses one
    loose = run_cli(tmp_path, "--profile", "loose", "token")
    assert (
        loose.returncode == 2
        and "readable by others" in loose.stderr
        and "chmod 600" in (loose.stderr)
    )
    other = tmp_path / "other"
    other.mkdir()
    write_config(
        other / "config.toml",
        "https://127.0.0.1:9/",
        None,
        halves='issuer = "https://127.0.0.1:9/"\nclient_id = "c"\nclient_key = "k.pem"',
    )
    halves = run_cli(other, "--profile", "halves", "token")
    assert halves.returncode == 2 and "client_certificate and client_key go together" in (
        halves.stderr
    )
    nowhere = tmp_path / "third"
    nowhere.mkdir()
    write_config(
        nowhere / "config.toml",
        "https://127.0.0.1:9/",
        None,
        ca=(
            'issuer = "https://127.0.0.1:9/"\nclient_id = "c"\nclient_secret = "s"\n'
            f'ca_file = "{nowhere / "absent.pem"}"'
        ),
    )
    ca = run_cli(nowhere, "--profile", "ca", "token")
    assert ca.returncode == 2 and "absent.pem cannot be read as PEM" in ca.stderr
    assert "Traceback" not in loose.stderr + halves.stderr + ca.stderr


def test_tls_client_auth_from_the_command_line(tls_stack, tmp_path):
    # `certs create --issued` needs the bundled server's client CA: as when the client
    # shares the server's state folder (the default for `m2m-tui` and `serve`).
    import shutil

    stack = tls_stack
    shutil.copytree(stack.state_dir / "tls", tmp_path / "state" / "tls")
    mgmt = admin(stack)
    v2 = stack.issuer + "api/v2"
    client_id = mgmt.post(f"{v2}/clients", json={"name": "PKI by CLI"}).json()["client_id"]
    mgmt.post(
        f"{v2}/client-grants",
        json={"client_id": client_id, "audience": "urn:worldmappers", "scope": ["directions"]},
    ).raise_for_status()
    certs = tmp_path / "state" / "certs"
    write_config(
        tmp_path / "config.toml",
        stack.issuer,
        stack.api_url,
        pki=(
            f'issuer = "{stack.issuer}"\nclient_id = "{client_id}"\n'
            'audience = "urn:worldmappers"\nauth_method = "tls_client_auth"\n'
            f'client_certificate = "{certs / "pki.pem"}"\nclient_key = "{certs / "pki-key.pem"}"\n'
            f'ca_file = "{stack.state_dir / "tls" / "ca.pem"}"\napi_base_url = "{stack.api_url}"'
        ),
        admin2=(
            f'issuer = "{stack.issuer}"\nclient_id = "m2m-admin"\n'
            f'client_secret = "m2m-admin-local-secret"\naudience = "{stack.issuer}api/v2/"\n'
            f'ca_file = "{stack.state_dir / "tls" / "ca.pem"}"'
        ),
    )
    made = run_cli(tmp_path, "certs", "create", "pki", "--issued", "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["auth_method"] == "tls_client_auth"
    registered = run_cli(
        tmp_path,
        "--profile",
        "pki",
        "certs",
        "register",
        "pki",
        client_id,
        "--method",
        "tls_client_auth",
    )
    assert registered.returncode == 0, registered.stderr
    assert "CN=pki" in registered.stdout  # registered by its subject DN
    got = run_cli(tmp_path, "--profile", "pki", "token")
    assert got.returncode == 0, got.stderr
    called = run_cli(tmp_path, "--profile", "pki", "call", "/api/directions?destination=Paris")
    assert called.returncode == 0, called.stderr
