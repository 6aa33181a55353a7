"""`POST /oauth/token` for the token exchange grant (RFC 8693): the acting client,
authenticated as for client_credentials, trades a subject token (an access token of this
issuer, or a JWT of an issuer a token exchange profile trusts) for a token for another
API, narrower in scope, whose `act` names who acts. The tenant's token exchange profiles
say which client may exchange what, for which audience; `oauth_primitives.rules.exchange`
decides, in one table, from the facts gathered here."""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from oauth_primitives.rules.exchange import EXCHANGE, Exchange, exchange_refusal, not_allowed
from oauth_primitives.rules.exchanged_tokens import judge_exchanged, read_exchanged
from oauth_primitives.rules.findings import Finding
from oauth_primitives.rules.issuance import ApiSettings
from oauth_primitives.rules.keys import signing_keys
from oauth_primitives.rules.refused import Refused
from oauth_primitives.token_exchange import TokenType, client_subject, nest_act
from oauth_primitives.token_refusals import Refusal
from oauth_primitives.token_shape import Api, ClaimOrigin, shape

from ..client_certs import presented
from .authority import Authority
from .client_auth import authenticated_client
from .errors import NO_STORE, refused_error
from .exchange_actions import apply_actions, profile_sources
from .issuer_keys import KeysUnavailable
from .management_scopes import management_audience
from .models import TokenExchangeProfile
from .token_parts import dpop_key, grant_settings, new_jti
from .token_quotas import over_quota, quotas_for, spend

log = logging.getLogger("api_server.authority")

# The request's own rules, run before any token is read or key fetched.
REQUEST_RULES = EXCHANGE[: EXCHANGE.index(not_allowed) + 1]


async def exchange_token(
    authority: Authority, params: dict[str, str], request: Request
) -> Response:
    """The whole exchange; every refusal is an OAuthError the caller answers."""
    client = authenticated_client(authority, params, request)
    subject_type = params.get("subject_token_type") or None
    facts = Exchange(
        client.client_id,
        bool(params.get("subject_token")),
        subject_type,
        bool(params.get("actor_token")),
        params.get("actor_token_type") or None,
        params.get("requested_token_type") or None,
    )
    profiles = authority.tenant.exchange_profiles.for_client(client.client_id, subject_type or "")
    facts.allowed = bool(profiles)
    facts.issuer = authority.issuer
    facts.management_audience = management_audience(authority.issuer)
    _refuse(exchange_refusal(facts, REQUEST_RULES))

    trusted = _trusted(profiles)
    facts.subject, facts.subject_claims = await _read(
        authority, params["subject_token"], trusted, Refusal.SUBJECT_TOKEN_INVALID
    )
    facts.actor = client_subject(client.client_id)
    if facts.actor_token:
        facts.actor_finding, actor_claims = await _read(
            authority, params["actor_token"], trusted, Refusal.ACTOR_TOKEN_INVALID
        )
        facts.actor, facts.actor_claims = str(actor_claims.get("sub", "")), actor_claims

    audience = _target(params, profiles)
    iss = facts.subject_claims.get("iss")
    profile = next(
        (p for p in profiles if audience in p.audiences and _trusts(authority, p, iss)), None
    )
    facts.audience, facts.audience_allowed = audience, profile is not None
    if profile is not None:
        facts.scope_map = profile.scope_map
    api = authority.tenant.resource_servers.get(audience)
    if api is not None and api.identifier == audience:
        facts.api = ApiSettings(
            api.identifier, api.token_dialect, api.enforce_policies,
            api.dpop_required, api.mtls_required,
        )  # fmt: skip
        grant = authority.tenant.grants.for_client(client.client_id, audience)
        facts.grant = None if grant is None else grant_settings(grant)
    facts.requested = params["scope"].split() if "scope" in params else None
    facts.proof_sent = bool(request.headers.getlist("dpop"))
    cert = None
    if api is not None and api.mtls_binding:  # RFC 8705 §3, as for client_credentials
        cert = presented(request.scope, authority.trusted_edges)
    facts.certificate_sent = cert is not None
    _refuse(exchange_refusal(facts))

    cnf = {"jkt": dpop_key(authority, request)} if facts.proof_sent else None
    if cert is not None:
        cnf = {"x5t#S256": cert.thumbprint}
    now = int(authority.clock())
    scope = list(facts.narrowed.issued)
    lifetime = Api(api.identifier, api.token_lifetime, api.token_dialect, api.enforce_policies)
    shaped = shape(authority.issuer, client.client_id, lifetime, scope, now, new_jti(), None, cnf)
    claims, origins = shaped.claims, shaped.origins
    subject = facts.subject_claims
    # RFC 8693 §4.1: the new token speaks for the subject, and names who acts for it.
    claims["sub"], origins["sub"] = subject["sub"], ClaimOrigin("the subject token's sub")
    claims.pop("gty", None)  # not a client_credentials token
    origins.pop("gty", None)
    if isinstance(subject.get("exp"), int | float) and subject["exp"] < claims["exp"]:
        claims["exp"] = int(subject["exp"])  # never outliving the subject token
        origins["exp"] = ClaimOrigin("the subject token's exp")
    claims["act"] = nest_act(facts.actor, subject)
    origins["act"] = ClaimOrigin("the actor, and the subject token's own act nested")

    if profile.action_id:  # its Action runs as credentials-exchange Actions do
        sources = profile_sources(authority, profile.action_id)
        ran = await apply_actions(authority, request, params, client, shaped, None, sources)
        if ran is not None:
            values = {"action": ran.action, "error": ran.error, "said": ran.description}
            _refuse(Refused(ran.rule, values))
    quotas = quotas_for(authority, client, None, api.identifier)
    if quotas and (over := over_quota(authority, quotas, authority.clock())) is not None:
        raise over
    extra = {}
    if authority.dpop_nonces is not None:
        extra["DPoP-Nonce"] = authority.dpop_nonces.current()
    if quotas:
        extra.update(spend(authority, quotas, authority.clock()))
    key = authority.current_key
    access_token = await asyncio.get_running_loop().run_in_executor(
        authority.signer, key.sign, claims, {"kid": key.kid, **shaped.header}
    )
    return JSONResponse(
        {
            "access_token": access_token,
            # RFC 8693 §2.2.1: what was issued; a JWT access token either way.
            "issued_token_type": facts.requested_token_type or TokenType.ACCESS_TOKEN,
            "token_type": "DPoP" if "jkt" in claims.get("cnf", {}) else "Bearer",
            "expires_in": max(claims["exp"] - now, 0),
            "scope": " ".join(scope),
        },
        headers={**NO_STORE, **extra},
    )


def _refuse(refused: Refused | None) -> None:
    if refused is not None:
        raise refused_error(refused)


def _target(params: dict[str, str], profiles: list[TokenExchangeProfile]) -> str:
    """The one API asked for: `audience` or `resource` (RFC 8693 §2.1 allows both, as
    synonyms here, as for client_credentials); none named, the profiles' only target."""
    audience, resource = params.get("audience"), params.get("resource")
    if audience and resource and audience != resource:
        values = {"audience": audience, "resource": resource}
        raise refused_error(Refused(Refusal.TARGET_CONFLICT, values))
    if audience or resource:
        return audience or resource  # type: ignore[return-value]
    targets = {a for p in profiles for a in p.audiences}
    if len(targets) == 1:
        return targets.pop()
    refused = Refused(Refusal.EXCHANGE_PARAMETER_MISSING, {"parameter": "audience"})
    raise refused_error(refused)


def _trusted(profiles: list[TokenExchangeProfile]) -> dict[str, dict]:
    """The external issuers the client's profiles trust, by issuer."""
    return {
        t["issuer"]: t
        for p in profiles
        for t in p.trusted_issuers
        if isinstance(t, dict) and isinstance(t.get("issuer"), str)
    }


def _trusts(authority: Authority, profile: TokenExchangeProfile, iss: object) -> bool:
    return iss == authority.issuer or any(t.get("issuer") == iss for t in profile.trusted_issuers)


async def _read(
    authority: Authority, token: str, trusted: dict[str, dict], which: Refusal
) -> tuple[Finding | None, dict]:
    """A subject or actor token read by the rule book's one reading of exchanged tokens
    (`rules.exchanged_tokens`, the diagnosis's too), with its issuer's keys: the first
    finding against it (None: it passes) and its claims (empty when unreadable). A
    trusted issuer whose keys cannot be had: the token is refused as `which`, saying why."""
    read = read_exchanged(token, authority.issuer, trusted, authority.settings.api.leeway)
    if read.policy is None:
        return read.found, dict(read.claims)
    if read.ours:
        keys = signing_keys(authority.jwks)
    else:
        iss = read.claims["iss"]
        try:
            keys = await authority.issuer_keys.keys(trusted[iss])
        except KeysUnavailable as exc:
            log.warning("token exchange: no keys for trusted issuer %s: %s", iss, exc)
            said = f"the keys of its issuer {iss} cannot be had: {exc}"
            raise refused_error(Refused(which, {"finding": "issuer_keys", "said": said})) from None
    revoked = authority.tenant.revocations.is_revoked
    return judge_exchanged(read, authority.clock(), keys, revoked), dict(read.claims)
