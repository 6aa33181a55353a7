"""The credentials-exchange Actions bound to the trigger, run before a token is signed
(Auth0's Machine to Machine flow). They may add claims (Auth0's custom-claim rules
apply: a claim they may not set is left out, and the token is still issued) or deny the
token request with one of three OAuth errors. An Action that throws, or a flow that
outlives its time, fails the request as a server error (the rule book's words and codes,
`oauth_primitives.rules.refused`). Tokens for the tenant's own Management API are
exempt: a broken Action can always be unbound."""

from __future__ import annotations

import logging

from starlette.requests import Request

from actions_runtime.event import credentials_exchange_event
from actions_runtime.runner import ActionSource, NodeMissing, run_actions
from oauth_primitives.token_shape import ActionRefusal, Shaped

from .authority import Authority

log = logging.getLogger("api_server.authority")


def deployed_sources(authority: Authority) -> list[ActionSource]:
    return [
        ActionSource(b.action.name, b.action.deployed_code or "", b.action.deployed_secrets or {})
        for b in authority.tenant.actions.bound()
    ]


async def apply_actions(
    authority: Authority,
    request: Request,
    params: dict,
    client,
    shaped: Shaped,
    org,
    sources: list[ActionSource] | None = None,
) -> ActionRefusal | None:
    """Run the bound Actions (or `sources`: a token exchange profile's own Action) and
    put their claims in `shaped`; their refusal, if any, for the rule book to answer
    (`rules.issuance.actions_outcome`)."""
    if shaped.claims["aud"] == authority.management_audience:
        # The way back from a broken Action: the Management API's own tokens pass through
        # none, as Auth0's dashboard is not gated by them, so `actions unbind`, Preview and
        # the Grants screen still work while every other token request fails.
        return None
    sources = deployed_sources(authority) if sources is None else sources
    if not sources:
        return None
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
        return ActionRefusal("", "server_error", f"The bound Actions could not run: {exc}")
    refused = shaped.apply_actions(exchange, authority.action_time_limit)
    if refused is None or not refused.action:  # issued, or refused for the claims' size
        for _, action, why in shaped.left_out:
            log.warning("Action %s: a custom claim was left out: %s", action, why)
    if refused is not None and not refused.denied:
        log.warning("%s", refused.description)
    return refused


def profile_sources(authority: Authority, action_id: str | None) -> list[ActionSource]:
    """The Action a token exchange profile binds (Auth0: `action_id`), deployed; none when
    it binds none, or its Action was deleted or never deployed."""
    action = authority.tenant.actions.get(action_id) if action_id else None
    if action is None or action.deployed_code is None:
        return []
    return [ActionSource(action.name, action.deployed_code, action.deployed_secrets or {})]
