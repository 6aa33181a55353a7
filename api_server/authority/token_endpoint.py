"""`POST /oauth/token` for the client_credentials grant (RFC 6749 §4.4), Auth0-style."""

from __future__ import annotations

import asyncio
import json
import secrets
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from oauth_primitives import base64url
from oauth_primitives.token_refusals import Refusal
from oauth_primitives.token_shape import Api, shape

from ..client_certs import presented
from ..dpop import DpopError, addressed_url, check_proof
from .client_auth import authenticated_client
from .errors import NO_STORE, OAuthError, invalid_request
from .exchange_actions import apply_actions
from .models import ClientGrant
from .state import Authority

MAX_BODY = 64 * 1024


async def read_params(request: Request) -> dict[str, str]:
    """The request's parameters from a form or JSON body, each at most once (RFC 6749 §3.2)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise OAuthError(413, "invalid_request", "Request body is larger than 64 KiB")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise OAuthError(413, "invalid_request", "Request body is larger than 64 KiB")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_request("Request body is not valid UTF-8") from None
    if media == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
        except ValueError:
            raise invalid_request("Malformed form body") from None
        params: dict[str, str] = {}
        for key, value in pairs:
            if key in params:
                raise invalid_request(f"Parameter {key} is included more than once")
            params[key] = value
        return params
    if media == "application/json":
        try:
            data = json.loads(text)
        except ValueError:
            raise invalid_request("Malformed JSON body") from None
        if not isinstance(data, dict):
            raise invalid_request("The JSON body must be an object")
        for key, value in data.items():
            if not isinstance(value, str):
                raise invalid_request(f"Parameter {key} must be a string")
        return data
    raise invalid_request(
        "Content-Type must be application/x-www-form-urlencoded or application/json"
    )


_random = bytearray()


def _jti() -> str:
    """16 random bytes, base64url: a token id. Read from the OS 4 KiB at a time, as one
    system call per token was a measurable part of the endpoint's time."""
    global _random
    if len(_random) < 16:
        _random = bytearray(secrets.token_bytes(4096))
    chunk = bytes(_random[:16])
    del _random[:16]
    return base64url.encode(chunk)


async def token(request: Request) -> Response:
    authority: Authority = request.app.state.authority
    try:
        params = await read_params(request)
        client, shaped, api, scope, org = _checked(authority, params, request)
        await apply_actions(authority, request, params, client, shaped, org)
    except OAuthError as exc:
        return exc.response()
    key, claims = authority.current_key, shaped.claims
    headers = {"kid": key.kid, **shaped.header}
    extra = {}
    if authority.dpop_nonces is not None:  # RFC 9449 §8.2: a fresh nonce with each answer
        extra["DPoP-Nonce"] = authority.dpop_nonces.current()
    # RSA signing is most of a token's cost, and `cryptography` releases the GIL while
    # it signs: on the signing threads it runs beside the event loop, which meanwhile
    # reads and checks the next requests.
    access_token = await asyncio.get_running_loop().run_in_executor(
        authority.signer, key.sign, claims, headers
    )
    return JSONResponse(
        {
            "access_token": access_token,
            # RFC 9449 §5: DPoP for a key-bound token; a certificate-bound one is still
            # a Bearer token (RFC 8705 §3).
            "token_type": "DPoP" if "jkt" in claims.get("cnf", {}) else "Bearer",
            "expires_in": api.token_lifetime,
            "scope": " ".join(scope),
        },
        headers={**NO_STORE, **extra},
    )


def _checked(authority: Authority, params: dict[str, str], request: Request):
    """Every check of the request; returns the client, the token's claims (before any
    Action) and header, the API, the scopes and the organization."""
    grant_type = params.get("grant_type")
    if not grant_type:
        raise invalid_request("Missing required parameter: grant_type")
    if grant_type != "client_credentials":
        raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")

    client = authenticated_client(authority, params, request)

    # RFC 8707 `resource` is accepted as a synonym of Auth0's `audience`.
    audience = params.get("audience")
    resource = params.get("resource")
    if audience and resource and audience != resource:
        raise invalid_request("audience and resource name different APIs")
    audience = audience or resource
    if not audience:
        raise invalid_request("Missing required parameter: audience")
    api = authority.tenant.resource_servers.get(audience)
    if api is None or api.identifier != audience:
        raise OAuthError(
            403,
            "access_denied",
            f"Service not enabled within domain: {audience}",
            rule=Refusal.UNKNOWN_AUDIENCE,
        )
    grant = authority.tenant.grants.for_client(client.client_id, audience)
    if grant is None:
        raise OAuthError(
            403,
            "access_denied",
            f'Client is not authorized to access "{audience}". You need to create a '
            '"client-grant" associated to this API.',
            rule=Refusal.NO_CLIENT_GRANT,
        )

    scope = grant.scope
    if "scope" in params:
        requested = params["scope"].split()
        beyond = [s for s in requested if s not in grant.scope]
        if beyond:
            raise OAuthError(
                400,
                "invalid_scope",
                "Client has not been granted scopes: " + ", ".join(beyond),
                rule=Refusal.SCOPE_NOT_GRANTED,
            )
        scope = [s for s in grant.scope if s in requested]

    org = _organization(authority, params.get("organization"), grant)
    jkt = _dpop_key(authority, request, api)
    x5t = _certificate_binding(authority, request, api)
    cnf = {"jkt": jkt} if jkt is not None else None  # RFC 9449 §6.1: bound to the proof's key
    if x5t is not None:
        cnf = {"x5t#S256": x5t}  # RFC 8705 §3.1: bound to the client certificate
    shaped = shape(
        authority.issuer,
        client.client_id,
        Api(api.identifier, api.token_lifetime, api.token_dialect, api.enforce_policies),
        scope,
        int(authority.clock()),
        _jti(),
        None if org is None else (org.id, org.name),
        cnf,
    )
    return client, shaped, api, scope, org


def _organization(authority: Authority, named: str | None, grant: ClientGrant):
    """The organization the token is for, by id or name, as the grant's
    organization_usage and associations allow (Auth0's Organizations for M2M); None
    for a token of no organization. Every refusal names the organization and the rule."""
    who = f"client {grant.client_id} on {grant.audience}"
    if not named:
        if grant.organization_usage == "require":
            raise invalid_request(
                f"The {who} must name an organization (its grant's organization_usage is "
                "require): send organization=<id or name>",
                Refusal.ORGANIZATION_REQUIRED,
            )
        return None
    if grant.organization_usage == "deny":
        raise invalid_request(
            f"The {who} may not name an organization ({named}): its grant's "
            "organization_usage is deny; set it to allow or require to use organizations",
            Refusal.ORGANIZATION_DENIED,
        )
    org = authority.tenant.organizations.get(named)
    if org is None:
        raise invalid_request(
            f"No organization {named} in this tenant (by id or by name)",
            Refusal.UNKNOWN_ORGANIZATION,
        )
    if not grant.allow_any_organization and not authority.tenant.organizations.is_associated(
        org.id, grant.id
    ):
        raise OAuthError(
            403,
            "access_denied",
            f"The {who} is not authorized for the organization {org.name} ({org.id}): "
            "associate its client grant with the organization, or set the grant's "
            "allow_any_organization",
            rule=Refusal.ORGANIZATION_NOT_ALLOWED,
        )
    return org


def _certificate_binding(authority: Authority, request: Request, api) -> str | None:
    """RFC 8705 §3: for an API whose tokens are certificate-bound (proof_of_possession
    mechanism mtls), the thumbprint of the certificate the client presented; a refusal
    when the API requires binding and no certificate came."""
    if not api.mtls_binding:
        return None
    cert = presented(request.scope, authority.trusted_edges)
    if cert is None:
        if api.mtls_required:
            raise OAuthError(
                400,
                "invalid_request",
                f"The API {api.identifier} requires certificate-bound tokens "
                "(proof_of_possession mtls): present a client certificate (mutual TLS) "
                "with the token request",
                rule=Refusal.CERTIFICATE_REQUIRED,
            )
        return None
    return cert.thumbprint


def _dpop_key(authority: Authority, request: Request, api) -> str | None:
    """The thumbprint of a valid DPoP proof's key (RFC 9449 §5), None for a Bearer
    request, or a refusal: a bad proof, a nonce to use, or an API that requires DPoP."""
    proofs = request.headers.getlist("dpop")
    if not proofs:
        if api.dpop_required:
            raise OAuthError(
                400,
                "invalid_dpop_proof",
                f"The API {api.identifier} requires DPoP (proof_of_possession): send a DPoP "
                "proof with the token request",
                rule=Refusal.DPOP_REQUIRED,
            )
        return None
    try:
        proof = check_proof(
            proofs,
            "POST",
            addressed_url(request.scope, request.headers.get("host")),
            authority.dpop_replay,
            authority.dpop_nonces,
        )
    except DpopError as exc:
        headers = {}
        if exc.error == "use_dpop_nonce":
            headers["DPoP-Nonce"] = authority.dpop_nonces.current()
        raise OAuthError(400, exc.error, exc.description, headers) from None
    return proof.jkt
