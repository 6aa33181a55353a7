"""The credentials-exchange Actions bound to the trigger, run before a token is signed
(Auth0's Machine to Machine flow). They may add claims (Auth0's custom-claim rules
apply: a claim they may not set is left out, and the token is still issued) or deny the
token request with one of three OAuth errors. An Action that throws, or a flow that
outlives its time, fails the request as a server error."""

from __future__ import annotations

import logging

from starlette.requests import Request

from actions_runtime.event import credentials_exchange_event
from actions_runtime.runner import ActionSource, NodeMissing, run_actions
from oauth_primitives.token_refusals import Refusal
from oauth_primitives.token_shape import Shaped

from .errors import OAuthError
from .state import Authority

log = logging.getLogger("api_server.authority")
# Auth0's hooks reference for this extension point answers a denial with invalid_request
# or invalid_scope as an HTTP 400, and a server error as a 500; Actions keep the codes.
DENY_STATUS = {"invalid_request": 400, "invalid_scope": 400, "server_error": 500}


def deployed_sources(authority: Authority) -> list[ActionSource]:
    return [
        ActionSource(b.action.name, b.action.deployed_code or "", b.action.deployed_secrets or {})
        for b in authority.tenant.actions.bound()
    ]


async def apply_actions(
    authority: Authority, request: Request, params: dict, client, shaped: Shaped, org
) -> None:
    """Run the bound Actions and put their claims in `shaped`, or raise the refusal."""
    sources = deployed_sources(authority)
    if not sources:
        return
    event = credentials_exchange_event(
        client_id=client.client_id,
        client_name=client.name,
        audience=shaped.claims["aud"],
        scopes=shaped.claims.get("scope", "").split(),
        requested_scopes=params["scope"].split() if "scope" in params else None,
        tenant=authority.issuer,
        body=params,
        organization=None
        if org is None
        else {"id": org.id, "name": org.name, "display_name": org.display_name or org.name},
        hostname=request.headers.get("host", ""),
        ip=request.client.host if request.client else "",
        user_agent=request.headers.get("user-agent", ""),
        language=request.headers.get("accept-language", ""),
    )
    try:
        exchange = await run_actions(sources, event, authority.action_time_limit)
    except NodeMissing as exc:
        log.error("credentials-exchange Actions are bound, and cannot run: %s", exc)
        raise OAuthError(
            500,
            "server_error",
            f"The bound Actions could not run: {exc}",
            rule=Refusal.ACTION_FAILED,
        ) from None
    refused = shaped.take(exchange, authority.action_time_limit)
    if refused is None or not refused.action:  # issued, or refused for the claims' size
        for _, action, why in shaped.left_out:
            log.warning("Action %s: a custom claim was left out: %s", action, why)
    if refused is None:
        return
    if refused.denied:
        status = DENY_STATUS[refused.error]
        raise OAuthError(status, refused.error, refused.description, rule=Refusal.ACTION_DENIED)
    log.warning("%s", refused.description)
    raise OAuthError(500, "server_error", refused.description, rule=Refusal.ACTION_FAILED)
