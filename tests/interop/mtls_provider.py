"""panva's oidc-provider over HTTPS with RFC 8705 mutual TLS (features.mTLS): two
clients, one by a self-signed certificate (self_signed_tls_client_auth, registered in
its JWKS as x5c) and one by the subject DN of a certificate the local client CA issued
(tls_client_auth), both getting certificate-bound tokens. Its TLS files are the bundled
server's (`ensure_tls_files`), so the bundled API started on the same state folder
trusts it."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

import jwt

from api_server.tls import TlsFiles, ensure_tls_files
from oauth_primitives import x509
from tests.conftest import WORLDMAPPERS, free_port
from tests.helpers.processes import Child, spawn
from tests.interop.conftest import SCOPES, node_peers, wait_for


@dataclass
class MtlsProvider:
    issuer: str
    proc: Child
    tls: TlsFiles
    state: Path  # the bundled server's state folder that holds `tls`
    certs: dict[str, tuple[Path, Path]]  # client id -> (certificate, key)


def _write(folder: Path, name: str, pair: tuple[str, str]) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}-key.pem"
    cert.write_text(pair[0])
    key.write_text(pair[1])
    key.chmod(0o600)
    return cert, key


def start_mtls_provider(folder: Path) -> MtlsProvider:
    peers = node_peers()
    state = folder / "state"
    tls = ensure_tls_files(state)
    issuer_ca = x509.load_issuer(tls.client_ca.parent)
    certs = {
        "mtls-self": _write(folder, "self", x509.make_certificate("mtls-self")),
        "mtls-pki": _write(folder, "pki", x509.make_certificate("pki", issuer=issuer_ca)),
    }
    own = x509.load_certificate(certs["mtls-self"][0].read_text())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(own.public_key()))
    jwk["x5c"] = [base64.b64encode(x509.der_of(certs["mtls-self"][0].read_text())).decode()]
    common = {
        "grant_types": ["client_credentials"],
        "redirect_uris": [],
        "response_types": [],
        "scope": " ".join(SCOPES),
        "tls_client_certificate_bound_access_tokens": True,
    }
    port = free_port()
    config = {
        "port": port,
        "resource": WORLDMAPPERS,
        "scopes": SCOPES,
        "require_nonce": False,
        "tls": {"key": str(tls.key), "cert": str(tls.cert), "client_ca": str(tls.client_ca)},
        "clients": [
            {
                **common,
                "client_id": "mtls-self",
                "token_endpoint_auth_method": "self_signed_tls_client_auth",
                "jwks": {"keys": [jwk]},
            },
            {
                **common,
                "client_id": "mtls-pki",
                "token_endpoint_auth_method": "tls_client_auth",
                "tls_client_auth_subject_dn": "CN=pki",
            },
        ],
    }
    (folder / "oidc-provider.json").write_text(json.dumps(config))
    log = folder / "oidc-provider.log"
    with open(log, "w") as out:
        proc = spawn(
            ["node", str(peers / "oidc_provider.mjs"), str(folder / "oidc-provider.json")],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    issuer = f"https://127.0.0.1:{port}"
    trust = ssl.create_default_context(cafile=str(tls.ca))
    with proc.stopped_on_error():
        wait_for(issuer + "/.well-known/openid-configuration", proc, log, verify=trust)
    return MtlsProvider(issuer, proc, tls, state, certs)
