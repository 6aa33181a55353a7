"""Mutual TLS (RFC 8705) at the bundled servers, as a client meets it: certificates
registered through the Management API in Auth0's shapes, a token got with
self_signed_tls_client_auth and with tls_client_auth, bound to the certificate
(cnf.x5t#S256), and the API taking it with that certificate only."""

from __future__ import annotations

import httpx
import jwt
import pytest

from oauth_primitives import x509
from tests.conftest import GIFT, WORLDMAPPERS
from tests.helpers.mtls import admin, client, files


def token_with(stack, cert, client_id: str) -> httpx.Response:
    with client(stack, cert) as http:
        return http.post(
            stack.issuer + "oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "audience": WORLDMAPPERS,
            },
        )


def test_self_signed_client_auth_a_bound_token_and_the_api(tls_stack, tmp_path):
    stack, mgmt = tls_stack, admin(tls_stack)
    v2 = stack.issuer + "api/v2"
    meta = httpx.get(stack.issuer + ".well-known/openid-configuration", verify=False).json()
    assert "self_signed_tls_client_auth" in meta["token_endpoint_auth_methods_supported"]
    assert meta["mtls_endpoint_aliases"]["token_endpoint"] == stack.issuer + "oauth/token"
    assert meta["tls_client_certificate_bound_access_tokens"] is True
    own = files(tmp_path, "gift", x509.make_certificate("Gift Deliveries"))
    # The module's tenant is shared by its tests: Gift Deliveries is put back as it was.
    method = mgmt.get(f"{v2}/clients/{GIFT[0]}").json()["token_endpoint_auth_method"]
    # Auth0's order: create the credential, then name it in the client's methods.
    made = mgmt.post(
        f"{v2}/clients/{GIFT[0]}/credentials",
        json={"credential_type": "x509_cert", "name": "gift", "pem": own[0].read_text()},
    )
    assert made.status_code == 201, made.text
    thumbprint = x509.thumbprint(x509.der_of(own[0].read_text()))
    assert made.json()["thumbprint_sha256"] == thumbprint
    restore = {"token_endpoint_auth_method": method}
    patched = mgmt.patch(
        f"{v2}/clients/{GIFT[0]}",
        json={
            "client_authentication_methods": {
                "self_signed_tls_client_auth": {"credentials": [{"id": made.json()["id"]}]}
            }
        },
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["token_endpoint_auth_method"] == "self_signed_tls_client_auth"
    rs = mgmt.get(f"{v2}/resource-servers/{WORLDMAPPERS}").json()
    mgmt.patch(
        f"{v2}/resource-servers/{rs['id']}",
        json={"proof_of_possession": {"mechanism": "mtls", "required": True}},
    ).raise_for_status()
    try:
        answer = token_with(stack, own, GIFT[0])
        assert answer.status_code == 200, answer.text
        token = answer.json()["access_token"]
        assert jwt.decode(token, options={"verify_signature": False})["cnf"] == {
            "x5t#S256": thumbprint
        }
        # A self-signed certificate no one registered: the listener's trust store has no
        # place for it, so the TLS handshake itself fails (TLS 1.3: on the first read).
        other = files(tmp_path, "other", x509.make_certificate("Someone Else"))
        with pytest.raises(httpx.TransportError):
            token_with(stack, other, GIFT[0])
        url = stack.api_url + "/api/directions?destination=Paris"
        headers = {"Authorization": f"Bearer {token}"}
        with client(stack, own) as http:
            assert http.get(url, headers=headers).status_code == 200
        with client(stack) as http:
            missing = http.get(url, headers=headers)
        assert missing.status_code == 401 and missing.json()["rule"] == "cert_missing"
        ca = stack.state_dir / "tls"
        issuer = x509.load_issuer(ca)
        stranger = files(tmp_path, "stranger", x509.make_certificate("x", issuer=issuer))
        with client(stack, stranger) as http:
            wrong = http.get(url, headers=headers)
        assert wrong.status_code == 401 and wrong.json()["rule"] == "cert_mismatch"
        assert "cnf.x5t#S256" in wrong.headers["www-authenticate"]
    finally:
        mgmt.patch(f"{v2}/resource-servers/{rs['id']}", json={"proof_of_possession": None})
        mgmt.patch(f"{v2}/clients/{GIFT[0]}", json=restore).raise_for_status()
        mgmt.delete(f"{v2}/clients/{GIFT[0]}/credentials/{made.json()['id']}").raise_for_status()
    with client(stack) as http:  # its secret works again
        form = {"grant_type": "client_credentials", "audience": WORLDMAPPERS}
        again = http.post(stack.issuer + "oauth/token", data=form, auth=GIFT)
    assert again.status_code == 200, again.text


def test_tls_client_auth_by_subject_dn_of_a_ca_issued_certificate(tls_stack, tmp_path):
    stack, mgmt = tls_stack, admin(tls_stack)
    v2 = stack.issuer + "api/v2"
    created = mgmt.post(
        f"{v2}/clients",
        json={
            "name": "PKI Deliveries",
            "client_authentication_methods": {
                "tls_client_auth": {
                    "credentials": [
                        {"credential_type": "cert_subject_dn", "subject_dn": "CN=pki-deliveries"}
                    ]
                }
            },
        },
    )
    assert created.status_code == 201, created.text
    client_id = created.json()["client_id"]
    mgmt.post(
        f"{v2}/client-grants",
        json={"client_id": client_id, "audience": WORLDMAPPERS, "scope": ["directions"]},
    ).raise_for_status()
    ca = stack.state_dir / "tls"
    issuer = x509.load_issuer(ca)
    issued = files(tmp_path, "pki", x509.make_certificate("pki-deliveries", issuer=issuer))
    answer = token_with(stack, issued, client_id)
    assert answer.status_code == 200, answer.text
    # The same subject on a certificate of another name is refused, named.
    wrong = files(tmp_path, "pki2", x509.make_certificate("someone-else", issuer=issuer))
    refused = token_with(stack, wrong, client_id)
    assert (
        refused.status_code == 401
        and "subject (CN=someone-else)" in refused.json()["error_description"]
    )
    # Without a certificate at all: the client is told how it authenticates.
    with client(stack) as http:
        bare = http.post(
            stack.issuer + "oauth/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "x"},
        )
    assert bare.status_code == 401 and "tls_client_auth" in bare.json()["error_description"]


def test_tls_client_auth_by_a_subject_alternative_name(tls_stack, tmp_path):
    # RFC 8705 §2.1.2: tls_client_auth_san_dns instead of the subject DN.
    stack, mgmt = tls_stack, admin(tls_stack)
    v2 = stack.issuer + "api/v2"
    credential = {"credential_type": "cert_subject_dn", "tls_client_auth_san_dns": "pki.example"}
    created = mgmt.post(
        f"{v2}/clients",
        json={
            "name": "SAN Deliveries",
            "client_authentication_methods": {"tls_client_auth": {"credentials": [credential]}},
        },
    )
    assert created.status_code == 201, created.text
    listed = created.json()["client_authentication_methods"]["tls_client_auth"]["credentials"]
    assert listed[0]["tls_client_auth_san_dns"] == "pki.example"
    client_id = created.json()["client_id"]
    mgmt.post(
        f"{v2}/client-grants",
        json={"client_id": client_id, "audience": WORLDMAPPERS, "scope": ["directions"]},
    ).raise_for_status()
    ca = stack.state_dir / "tls"
    issuer = x509.load_issuer(ca)
    named = files(
        tmp_path, "san", x509.make_certificate("any", issuer=issuer, dns=("pki.example",))
    )
    assert token_with(stack, named, client_id).status_code == 200
    other = files(tmp_path, "san2", x509.make_certificate("any", issuer=issuer, dns=("x.example",)))
    assert token_with(stack, other, client_id).status_code == 401


def test_a_client_takes_two_certificates_as_at_auth0(tls_stack):
    mgmt = admin(tls_stack)
    v2 = tls_stack.issuer + "api/v2"
    client_id = mgmt.post(f"{v2}/clients", json={"name": "Three Certs"}).json()["client_id"]
    answers = [
        mgmt.post(
            f"{v2}/clients/{client_id}/credentials",
            json={"credential_type": "x509_cert", "pem": x509.make_certificate(f"c{i}")[0]},
        )
        for i in range(3)
    ]
    assert [a.status_code for a in answers] == [201, 201, 400]
    assert "at most 2 registered certificates" in answers[2].json()["message"]
    listed = mgmt.get(f"{v2}/clients/{client_id}/credentials").json()
    assert len(listed) == 2 and all(c["thumbprint_sha256"] for c in listed)
    gone = mgmt.delete(f"{v2}/clients/{client_id}/credentials/{listed[0]['id']}")
    assert gone.status_code == 204
    assert len(mgmt.get(f"{v2}/clients/{client_id}/credentials").json()) == 1
