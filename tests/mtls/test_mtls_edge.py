"""Edge mode, as Auth0's custom domains take client certificates: nginx terminates TLS
(`ssl_verify_client optional_no_ca`) and forwards the certificate in
`client-certificate`; the authority believes those headers from the edge's address
alone. A client that sends them itself is not authenticated by them."""

from __future__ import annotations

import ssl
from urllib.parse import quote

import httpx
import jwt

from api_server.tls import ensure_tls_files
from oauth_primitives import x509
from tests.conftest import GIFT, WORLDMAPPERS, admin_client, start_stack
from tests.helpers.nginx_proxy import start_tls_edge


def register(stack, pem: str) -> None:
    with admin_client(stack.issuer) as mgmt:
        made = mgmt.post(
            f"/clients/{GIFT[0]}/credentials", json={"credential_type": "x509_cert", "pem": pem}
        )
        assert made.status_code == 201, made.text
        mgmt.patch(
            f"/clients/{GIFT[0]}",
            json={
                "client_authentication_methods": {
                    "self_signed_tls_client_auth": {"credentials": [{"id": made.json()["id"]}]}
                }
            },
        ).raise_for_status()


def form() -> dict:
    return {"grant_type": "client_credentials", "client_id": GIFT[0], "audience": WORLDMAPPERS}


def test_the_authority_behind_an_nginx_edge_takes_the_forwarded_certificate(tmp_path):
    state = tmp_path / "state"
    tls = ensure_tls_files(state)
    stack = start_stack(state, only="authority", trusted_edges=("127.0.0.1",))
    edge = start_tls_edge(stack.issuer, tmp_path / "edge", tls)
    try:
        cert, key = x509.make_certificate("gift-edge")
        register(stack, cert)
        (tmp_path / "c.pem").write_text(cert)
        (tmp_path / "k.pem").write_text(key)
        context = ssl.create_default_context(cafile=str(tls.ca))
        context.load_cert_chain(str(tmp_path / "c.pem"), str(tmp_path / "k.pem"))
        with httpx.Client(verify=context) as http:
            answer = http.post(edge.url + "/oauth/token", data=form())
        assert answer.status_code == 200, answer.text
        meta = httpx.get(stack.issuer + ".well-known/openid-configuration").json()
        assert "self_signed_tls_client_auth" in meta["token_endpoint_auth_methods_supported"]
        assert jwt.decode(answer.json()["access_token"], options={"verify_signature": False})
    finally:
        edge.stop()
        stack.thread.stop()


def test_edge_headers_from_anyone_else_are_ignored(tmp_path):
    stack = start_stack(tmp_path / "state", only="authority", trusted_edges=("192.0.2.10",))
    try:
        cert, _ = x509.make_certificate("gift-forged")
        register(stack, cert)
        forged = {
            "client-certificate": quote(cert),
            "client-certificate-ca-verified": "SUCCESS",
        }
        answer = httpx.post(stack.issuer + "oauth/token", data=form(), headers=forged)
        assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    finally:
        stack.thread.stop()
