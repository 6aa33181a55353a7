"""`/api/v2/clients/{id}/credentials`: a client's credentials, created on their own and
named afterwards in its `client_authentication_methods` (Auth0's order for mutual TLS:
create an x509_cert or cert_subject_dn credential, then PATCH the client)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..authority import Authority
from .clients import SAN_NAMES, _find, new_credential
from .endpoint import endpoint, json_body, only
from .errors import bad_request, not_found

MAX_CERTIFICATES = 2  # Auth0 takes two registered certificates


@endpoint("read:client_credentials")
async def list_credentials(request: Request, authority: Authority) -> Response:
    client = _find(authority, request)
    return JSONResponse([c.to_api() for c in client.credentials])


@endpoint("create:client_credentials")
async def create_credential(request: Request, authority: Authority) -> Response:
    client = _find(authority, request)
    data = await json_body(request)
    only(data, {"credential_type", "name", "pem", "subject_dn", "alg", *SAN_NAMES})
    cred = new_credential(data, "")
    certificates = [c for c in client.credentials if c.credential_type == "x509_cert"]
    if cred.credential_type == "x509_cert" and len(certificates) >= MAX_CERTIFICATES:
        raise bad_request(
            f"A client may have at most {MAX_CERTIFICATES} registered certificates (as at "
            "Auth0): delete one first"
        )
    client.credentials.append(cred)
    authority.tenant.clients.save(client)
    if cred.credential_type == "x509_cert":
        authority.trust_client_certificate(cred.pem)
    return JSONResponse(cred.to_api(), status_code=201)


@endpoint("delete:client_credentials")
async def delete_credential(request: Request, authority: Authority) -> Response:
    client = _find(authority, request)
    wanted = request.path_params["credential_id"]
    kept = [c for c in client.credentials if c.id != wanted]
    if len(kept) == len(client.credentials):
        raise not_found("credential", "inexistent_credential")
    client.credentials = kept
    authority.tenant.clients.save(client)
    return Response(status_code=204)
