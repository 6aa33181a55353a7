"""`/api/v2/clients`: applications, their secrets and credentials (private_key_jwt keys,
mutual TLS certificates and subject DNs)."""

from __future__ import annotations

import copy
import dataclasses

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from oauth_primitives import x509
from oauth_primitives.rules.closed_sets import CLIENT_ASSERTION, Alg, AuthMethod

from ..authority import Authority
from ..models import CREDENTIAL_METHODS, CREDENTIAL_TYPES, Client, Credential
from ..tenant import new_id, new_secret
from .endpoint import endpoint, field, json_body, only, paginate, string_list
from .errors import ManagementError, bad_request, not_found
from .quota_fields import token_quota

AUTH_METHODS = tuple(AuthMethod)
# RFC 8705 §2.1.2: the subjectAltName a tls_client_auth client may be registered by.
SAN_NAMES = (
    "tls_client_auth_san_dns",
    "tls_client_auth_san_uri",
    "tls_client_auth_san_ip",
    "tls_client_auth_san_email",
)


def _find(authority: Authority, request: Request) -> Client:
    client = authority.tenant.clients.get(request.path_params["id"])
    if client is None:
        raise not_found("client", "inexistent_client")
    return copy.deepcopy(client)  # edited in place before saving; the tenant's copy stays intact


def new_credential(item: dict, method: str) -> Credential:
    """A credential from its Auth0 shape, checked: a public key (private_key_jwt), a
    certificate (x509_cert: self_signed_tls_client_auth) or a subject DN (cert_subject_dn,
    given as the DN or as a certificate to read it from: tls_client_auth)."""
    kind = item.get("credential_type")
    wanted = {
        AuthMethod.PRIVATE_KEY_JWT: "public_key",
        AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH: "x509_cert",
        AuthMethod.TLS_CLIENT_AUTH: "cert_subject_dn",
    }
    if method and kind != wanted[method]:
        raise bad_request(f"{method} takes credentials of credential_type {wanted[method]}")
    name = str(item.get("name", ""))
    pem = item.get("pem")
    if kind == "public_key":
        alg = item.get("alg", Alg.RS256)
        if alg not in CLIENT_ASSERTION:  # the algorithm its assertions will be signed with
            raise bad_request(f"alg must be one of {', '.join(CLIENT_ASSERTION)}")
        try:
            load_pem_public_key(pem.encode() if isinstance(pem, str) else b"")
        except ValueError:
            raise bad_request("pem must be a PEM-encoded public key") from None
        return Credential(new_id("cred_"), pem, alg, name, kind, "", method)
    if kind == "x509_cert":
        try:
            x509.load_certificate(pem if isinstance(pem, str) else "")
        except ValueError:
            raise bad_request("pem must be a PEM-encoded X.509 certificate") from None
        return Credential(new_id("cred_"), pem, "", name, kind, "", method)
    if kind == "cert_subject_dn":
        sans = [k for k in SAN_NAMES if isinstance(item.get(k), str) and item[k].strip()]
        if sans and not item.get("subject_dn"):  # RFC 8705 §2.1.2: one SAN instead of the DN
            if len(sans) > 1:
                raise bad_request("name one of " + ", ".join(SAN_NAMES) + ", not several")
            san = f"{sans[0].removeprefix('tls_client_auth_san_')}:{item[sans[0]].strip()}"
            return Credential(new_id("cred_"), "", "", name, kind, "", method, san)
        dn = item.get("subject_dn")
        if isinstance(pem, str) and not dn:
            try:
                dn = x509.names_of(x509.load_certificate(pem)).subject_dn
            except ValueError:
                raise bad_request("pem must be a PEM-encoded X.509 certificate") from None
        if not isinstance(dn, str) or not dn.strip():
            raise bad_request("cert_subject_dn needs subject_dn (or a pem to read it from)")
        return Credential(new_id("cred_"), "", "", name, kind, dn.strip(), method)
    raise bad_request(f"credential_type must be one of {', '.join(CREDENTIAL_TYPES)}")


def _credentials(client: Client, data: dict) -> tuple[str, list[Credential]] | None:
    """(the method, its credentials) from `client_authentication_methods`: each listed
    inline (Auth0's shapes), or by the id of one created with POST .../credentials."""
    methods = field(data, "client_authentication_methods", dict)
    if methods is None:
        return None
    named = [m for m in methods if m in CREDENTIAL_METHODS]
    if len(named) != 1 or len(methods) != 1:
        raise bad_request(
            "client_authentication_methods names exactly one of " + ", ".join(CREDENTIAL_METHODS)
        )
    method = named[0]
    listed = methods[method]
    if not isinstance(listed, dict) or not isinstance(listed.get("credentials"), list):
        raise bad_request(f"client_authentication_methods.{method}.credentials is required")
    known = {c.id: c for c in client.credentials}
    creds = []
    for item in listed["credentials"]:
        if not isinstance(item, dict):
            raise bad_request("each credential is an object")
        if "credential_type" not in item and isinstance(item.get("id"), str):
            cred = known.get(item["id"])
            if cred is None:
                raise bad_request(f"no credential {item['id']} on this client")
            new_credential(
                {**cred.to_api(), "pem": cred.pem, "subject_dn": cred.subject_dn}, method
            )
            creds.append(dataclasses.replace(cred, method=method))
        else:
            creds.append(new_credential(item, method))
    return method, creds


def _apply(client: Client, data: dict) -> None:
    # Accepted so Auth0 payloads work as they are, but typed like Auth0 types them:
    # every client here is a non-interactive client_credentials one regardless.
    field(data, "app_type", str)
    string_list(data, "grant_types")
    for name in ("name", "description"):
        value = field(data, name, str)
        if value is not None:
            setattr(client, name, value)
    if not client.name.strip():
        raise bad_request("name must not be empty")
    method = field(data, "token_endpoint_auth_method", str)
    if method is not None:
        if method not in AUTH_METHODS:
            raise bad_request(
                f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}"
            )
        client.token_endpoint_auth_method = method
    chosen = _credentials(client, data)
    if chosen is not None:
        method, creds = chosen
        kept = [dataclasses.replace(c, method="") for c in client.credentials if c not in creds]
        listed = {c.id for c in creds}
        client.credentials = [*creds, *(c for c in kept if c.id not in listed)]
        client.token_endpoint_auth_method = method
    given, quota = token_quota(data)  # Auth0's fine-grained M2M token quota
    if given:
        client.token_quota = quota
    method = client.token_endpoint_auth_method
    if method in CREDENTIAL_METHODS and not client.credentials_for(method):
        raise bad_request(f"{method} needs client_authentication_methods credentials")
    if method != AuthMethod.CLIENT_SECRET_JWT:
        # Only a client_secret_jwt client keeps its secret sealed (sealed_secrets.py). A
        # client switched to it keeps none until its secret is rotated: the authority
        # never had more than the hash, and the token endpoint says to rotate.
        client.secret_sealed = None


FIELDS = {
    "name",
    "description",
    "token_endpoint_auth_method",
    "client_authentication_methods",
    "app_type",
    "grant_types",
    "token_quota",
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
    client_id = field(data, "client_id", str)
    if client_id is not None and not client_id.strip():
        raise bad_request("client_id must not be empty (leave it out for a generated one)")
    client_id = client_id or new_id("", 32)
    if authority.tenant.clients.get(client_id) is not None:
        raise ManagementError(
            409, f"A client with client_id {client_id} already exists", "conflict"
        )
    client = Client(client_id=client_id, name=name)
    _apply(client, data)
    secret = new_secret()
    authority.tenant.set_secret(client, secret)
    authority.tenant.clients.save(client)
    # The secret is shown this once; only its hash is kept (and, for client_secret_jwt,
    # the secret sealed under the state directory's key).
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
    authority.tenant.set_secret(client, secret)
    authority.tenant.clients.save(client)
    return JSONResponse({**client.to_api(), "client_secret": secret})
