"""`POST /oauth/token` for the client_credentials grant (RFC 6749 §4.4), Auth0-style,
and the door to the token exchange grant (RFC 8693, `token_exchange.py`)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from oauth_primitives.rules.issuance import ApiSettings, Asked, refusal
from oauth_primitives.rules.refused import Refused
from oauth_primitives.token_exchange import GRANT_TYPE as EXCHANGE_GRANT
from oauth_primitives.token_refusals import Refusal
from oauth_primitives.token_shape import Api, shape

from ..client_certs import presented
from .authority import Authority
from .client_auth import authenticated_client
from .errors import NO_STORE, OAuthError, invalid_request, refused_error
from .exchange_actions import apply_actions
from .token_exchange import exchange_token
from .token_parts import dpop_key, grant_settings, new_jti
from .token_quotas import over_quota, quotas_for, spend

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


async def token(request: Request) -> Response:
    authority: Authority = request.app.state.authority
    try:
        params = await read_params(request)
        if params.get("grant_type") == EXCHANGE_GRANT:
            return await exchange_token(authority, params, request)
        client, shaped, api, scope, org, asked = _checked(authority, params, request)
        quotas = quotas_for(authority, client, org, api.identifier)
        if quotas and (over := over_quota(authority, quotas, authority.clock())) is not None:
            raise over
        asked.actions = await apply_actions(authority, request, params, client, shaped, org)
        refused = refusal(asked) if asked.actions is not None else None
        if refused is not None:
            raise refused_error(refused)
    except OAuthError as exc:
        return exc.response()
    key, claims = authority.current_key, shaped.claims
    headers = {"kid": key.kid, **shaped.header}
    extra = {}
    if authority.dpop_nonces is not None:  # RFC 9449 §8.2: a fresh nonce with each answer
        extra["DPoP-Nonce"] = authority.dpop_nonces.current()
    if quotas:  # counted now that it is issued; the headers say what is left
        extra.update(spend(authority, quotas, authority.clock()))
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
    Action) and header, the API, the scopes, the organization and the facts the rule
    book judged (`Asked`, which the Actions' outcome joins)."""
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
        values = {"audience": audience, "resource": resource}
        raise refused_error(Refused(Refusal.TARGET_CONFLICT, values))
    audience = audience or resource
    if not audience:
        raise invalid_request("Missing required parameter: audience")
    asked, api, org, cert = _asked(authority, params, request, client.client_id, audience)
    refused = refusal(asked)
    if refused is not None:
        raise refused_error(refused)
    jkt = dpop_key(authority, request) if asked.proof_sent else None
    cnf = {"jkt": jkt} if jkt is not None else None  # RFC 9449 §6.1: bound to the proof's key
    if cert is not None:
        cnf = {"x5t#S256": cert.thumbprint}  # RFC 8705 §3.1: bound to the client certificate
    scope = asked.scopes
    shaped = shape(
        authority.issuer,
        client.client_id,
        Api(api.identifier, api.token_lifetime, api.token_dialect, api.enforce_policies),
        scope,
        int(authority.clock()),
        new_jti(),
        None if org is None else (org.id, org.name),
        cnf,
    )
    return client, shaped, api, scope, org, asked


def _asked(authority: Authority, params: dict[str, str], request: Request, client_id, audience):
    """What the rule book judges: the request beside the tenant's API, grant and
    organization, each looked up only where a rule reads it."""
    tenant = authority.tenant
    api = tenant.resource_servers.get(audience)
    if api is None or api.identifier != audience:
        return Asked(client_id, audience, None, None), None, None, None
    grant = tenant.grants.for_client(client_id, audience)
    named = params.get("organization")
    org = tenant.organizations.get(named) if named and grant is not None else None
    cert = None
    if api.mtls_binding:  # RFC 8705 §3: only then does the certificate bind the token
        cert = presented(request.scope, authority.trusted_edges)
    asked = Asked(
        client_id,
        audience,
        ApiSettings(
            api.identifier,
            api.token_dialect,
            api.enforce_policies,
            api.dpop_required,
            api.mtls_required,
        ),
        None if grant is None else grant_settings(grant),
        params["scope"].split() if "scope" in params else None,
        named or None,
        None if org is None else (org.id, org.name),
        proof_sent=bool(request.headers.getlist("dpop")),
        certificate_sent=cert is not None,
    )
    if asked.needs_association:
        asked.associated = tenant.organizations.is_associated(org.id, grant.id)
    return asked, api, org, cert
