"""Certificates made the usual way, with `openssl req`, carry no subjectAltName. Every
part that reads a certificate (its names, its registration through the Management API,
client authentication, the token's binding, the API's check) takes one, as it takes one
made by `certs create`. (cryptography 51 refused the empty SubjectAlternativeName the
name reader once built for such a certificate: certs create, token and call crashed.)"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jwt

from oauth_primitives import x509
from tests.conftest import run_cli
from tests.helpers.mtls import admin, client
from tests.helpers.sessions import write_config

OPENSSL = shutil.which("openssl") or "openssl"  # Debian has it; absent, the tests fail


def openssl_self_signed(folder: Path, name: str, subject: str) -> tuple[Path, Path]:
    """`openssl req -x509 -newkey rsa:2048 -nodes …`, as the issue's user typed it; the key
    beside it as `certs register` looks for it (NAME-key.pem)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / f"{name}.pem", folder / f"{name}-key.pem"
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key)]
        + ["-out", str(cert), "-days", "30", "-subj", subject],
        check=True,
        capture_output=True,
    )
    key.chmod(0o600)
    return cert, key


def openssl_issued(folder: Path, name: str, subject: str, ca: Path) -> tuple[Path, Path]:
    """A certificate request signed by the bundled server's local client CA, with openssl
    and no extensions at all: what a site's own PKI hands out for tls_client_auth."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key, csr = folder / f"{name}.pem", folder / f"{name}-key.pem", folder / f"{name}.csr"
    subprocess.run(
        [OPENSSL, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key)]
        + ["-out", str(csr), "-subj", subject],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [OPENSSL, "x509", "-req", "-in", str(csr), "-CA", str(ca / "client-ca.pem")]
        + ["-CAkey", str(ca / "client-ca-key.pem"), "-CAcreateserial", "-out", str(cert)]
        + ["-days", "30"],
        check=True,
        capture_output=True,
    )
    key.chmod(0o600)
    return cert, key


def test_the_names_of_certificates_without_a_subject_alternative_name(tmp_path):
    cert, _ = openssl_self_signed(tmp_path, "plain", "/CN=giftdeliveries/O=Gift Deliveries")
    names = x509.names_of(x509.load_certificate(cert.read_text()))
    assert names == x509.Names("O=Gift Deliveries,CN=giftdeliveries")
    made, _ = x509.make_certificate("gift")  # what `certs create` makes: no SAN either
    assert x509.names_of(x509.load_certificate(made)) == x509.Names("CN=gift")
    with_san, _ = x509.make_certificate("gift", dns=("gift.example",))
    assert x509.names_of(x509.load_certificate(with_san)).san_dns == ("gift.example",)


def test_certs_create_prints_its_names_and_thumbprint(tmp_path):
    write_config(tmp_path / "config.toml", "https://127.0.0.1:9/", None)
    made = run_cli(tmp_path, "certs", "create", "plain", "--json")
    assert made.returncode == 0, made.stderr
    shown = json.loads(made.stdout)
    assert shown["subject_dn"] == "CN=plain"
    pem = (tmp_path / "state" / "certs" / "plain.pem").read_text()
    assert shown["x5t#S256"] == x509.thumbprint(x509.der_of(pem))
    human = run_cli(tmp_path, "certs", "create", "other")
    assert human.returncode == 0 and "Traceback" not in human.stderr
    assert "CN=other" in human.stdout


def _new_client(stack, name: str) -> str:
    mgmt = admin(stack)
    v2 = stack.issuer + "api/v2"
    client_id = mgmt.post(f"{v2}/clients", json={"name": name}).json()["client_id"]
    mgmt.post(
        f"{v2}/client-grants",
        json={"client_id": client_id, "audience": "urn:worldmappers", "scope": ["directions"]},
    ).raise_for_status()
    return client_id


def _profile(stack, client_id: str, method: str, cert: Path, key: Path) -> str:
    return (
        f'issuer = "{stack.issuer}"\nclient_id = "{client_id}"\n'
        f'audience = "urn:worldmappers"\nauth_method = "{method}"\n'
        f'client_certificate = "{cert}"\nclient_key = "{key}"\n'
        f'ca_file = "{stack.state_dir / "tls" / "ca.pem"}"\napi_base_url = "{stack.api_url}"'
    )


def test_an_openssl_certificate_end_to_end(tls_stack, tmp_path):
    """Registered through the Management API; a token, bound to it where the API asks;
    a call with it answered 200, the same token without it refused 401 (cert_missing)."""
    stack = tls_stack
    client_id = _new_client(stack, "Gift Deliveries by openssl")
    cert, key = openssl_self_signed(tmp_path / "pems", "gift", "/CN=giftdeliveries")
    write_config(
        tmp_path / "config.toml",
        stack.issuer,
        stack.api_url,
        mine=_profile(stack, client_id, "self_signed_tls_client_auth", cert, key),
    )
    env = {"SSL_CERT_FILE": str(stack.state_dir / "tls" / "ca.pem")}
    registered = run_cli(
        tmp_path, "--profile", "mine", "certs", "register", str(cert), client_id, env=env
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
        got = run_cli(tmp_path, "--profile", "mine", "token", "--no-cache", env=env)
        assert got.returncode == 0, got.stderr
        token = got.stdout.strip()
        thumbprint = x509.thumbprint(x509.der_of(cert.read_text()))
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["cnf"] == {"x5t#S256": thumbprint} and claims["sub"] == f"{client_id}@clients"
        called = run_cli(
            tmp_path, "--profile", "mine", "call", "/api/directions?destination=Paris", env=env
        )
        assert called.returncode == 0, called.stderr
        assert '"step"' in called.stdout
        url = stack.api_url + "/api/directions"
        params = {"destination": "Paris"}
        headers = {"Authorization": f"Bearer {token}"}
        with client(stack, (cert, key)) as http:
            assert http.get(url, params=params, headers=headers).status_code == 200
        with client(stack) as http:
            refused = http.get(url, params=params, headers=headers)
        assert refused.status_code == 401
        assert refused.json()["rule"] == "cert_missing"
    finally:
        mgmt.patch(f"{v2}/resource-servers/{rs['id']}", json={"proof_of_possession": None})


def test_an_openssl_certificate_from_a_ca_for_tls_client_auth(tls_stack, tmp_path):
    """tls_client_auth matches the subject DN: a CA-issued openssl certificate, no SAN,
    registered by the DN read from it."""
    stack = tls_stack
    client_id = _new_client(stack, "PKI by openssl")
    cert, key = openssl_issued(
        tmp_path / "pems", "pki", "/O=Gift Deliveries/CN=pki-openssl", stack.state_dir / "tls"
    )
    write_config(
        tmp_path / "config.toml",
        stack.issuer,
        stack.api_url,
        pki=_profile(stack, client_id, "tls_client_auth", cert, key),
    )
    registered = run_cli(
        tmp_path,
        "--profile",
        "pki",
        "certs",
        "register",
        str(cert),
        client_id,
        "--method",
        "tls_client_auth",
    )
    assert registered.returncode == 0, registered.stderr
    assert "CN=pki-openssl,O=Gift Deliveries" in registered.stdout
    got = run_cli(tmp_path, "--profile", "pki", "token")
    assert got.returncode == 0, got.stderr
    called = run_cli(tmp_path, "--profile", "pki", "call", "/api/directions?destination=Paris")
    assert called.returncode == 0, called.stderr
