"""`/api/v2/clients`: applications, their secrets and private_key_jwt credentials."""

from __future__ import annotations

import copy

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..models import Client, Credential
from ..state import Authority
from ..tenant import hash_secret, new_id, new_secret
from .endpoint import endpoint, field, json_body, only, paginate, string_list
from .errors import ManagementError, bad_request, not_found

AUTH_METHODS = ("client_secret_post", "client_secret_basic", "private_key_jwt")
KEY_ALGS = ("RS256", "RS384", "PS256", "ES256")


def _find(authority: Authority, request: Request) -> Client:
    client = authority.tenant.clients.get(request.path_params["id"])
    if client is None:
        raise not_found("client", "inexistent_client")
    return copy.deepcopy(client)  # edited in place before saving; the tenant's copy stays intact


def _credentials(data: dict) -> list[Credential] | None:
    methods = field(data, "client_authentication_methods", dict)
    if methods is None:
        return None
    pkj = methods.get("private_key_jwt")
    if not isinstance(pkj, dict) or not isinstance(pkj.get("credentials"), list):
        raise bad_request("client_authentication_methods.private_key_jwt.credentials is required")
    creds = []
    for item in pkj["credentials"]:
        if not isinstance(item, dict) or item.get("credential_type") != "public_key":
            raise bad_request("each credential needs credential_type public_key")
        pem, alg = item.get("pem"), item.get("alg", "RS256")
        if alg not in KEY_ALGS:
            raise bad_request(f"alg must be one of {', '.join(KEY_ALGS)}")
        try:
            load_pem_public_key(pem.encode() if isinstance(pem, str) else b"")
        except ValueError:
            raise bad_request("pem must be a PEM-encoded public key") from None
        creds.append(
            Credential(id=new_id("cred_"), pem=pem, alg=alg, name=str(item.get("name", "")))
        )
    return creds


def _apply(client: Client, data: dict) -> None:
    # Accepted so Auth0 payloads work as they are, but typed like Auth0 types them:
    # every client here is a non-interactive client_credentials one regardless.
    field(data, "app_type", str)
    string_list(data, "grant_types")
    for name in ("name", "description"):
        value = field(data, name, str)
        if value is not None:
            setattr(client, name, value)
    method = field(data, "token_endpoint_auth_method", str)
    if method is not None:
        if method not in AUTH_METHODS:
            raise bad_request(
                f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}"
            )
        client.token_endpoint_auth_method = method
    creds = _credentials(data)
    if creds is not None:
        client.credentials = creds
        client.token_endpoint_auth_method = "private_key_jwt"
    if client.token_endpoint_auth_method == "private_key_jwt" and not client.credentials:
        raise bad_request("private_key_jwt needs client_authentication_methods credentials")


FIELDS = {
    "name",
    "description",
    "token_endpoint_auth_method",
    "client_authentication_methods",
    "app_type",
    "grant_types",
}


@endpoint("read:clients")
async def list_clients(request: Request, authority: Authority) -> Response:
    items = [c.to_api() for c in authority.tenant.clients.all()]
    return JSONResponse(paginate(request, items, "clients"))


@endpoint("read:clients")
async def get_client(request: Request, authority: Authority) -> Response:
    return JSONResponse(_find(authority, request).to_api())


@endpoint("create:clients")
async def create_client(request: Request, authority: Authority) -> Response:
    data = await json_body(request)
    only(data, FIELDS | {"client_id"})
    name = field(data, "name", str, required=True)
    if not name.strip():
        raise bad_request("name must not be empty")
    client_id = field(data, "client_id", str) or new_id("", 32)
    if authority.tenant.clients.get(client_id) is not None:
        raise ManagementError(
            409, f"A client with client_id {client_id} already exists", "conflict"
        )
    secret = new_secret()
    client = Client(client_id=client_id, name=name, secret_hash=hash_secret(secret))
    _apply(client, data)
    authority.tenant.clients.save(client)
    # The secret is shown this once; only its hash is kept.
    return JSONResponse({**client.to_api(), "client_secret": secret}, status_code=201)


@endpoint("update:clients")
async def update_client(request: Request, authority: Authority) -> Response:
    client = _find(authority, request)
    data = await json_body(request)
    only(data, FIELDS)
    _apply(client, data)
    authority.tenant.clients.save(client)
    return JSONResponse(client.to_api())


@endpoint("delete:clients")
async def delete_client(request: Request, authority: Authority) -> Response:
    client = _find(authority, request)
    authority.tenant.delete_client(client.client_id)
    return Response(status_code=204)


@endpoint("update:clients")
async def rotate_secret(request: Request, authority: Authority) -> Response:
    client = _find(authority, request)
    secret = new_secret()
    client.secret_hash = hash_secret(secret)
    authority.tenant.clients.save(client)
    return JSONResponse({**client.to_api(), "client_secret": secret})
