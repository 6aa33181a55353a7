"""Asking the authorization server about a token it issued: RFC 7662 introspection
(is it active, what may it do) and RFC 7009 revocation. Both endpoints are found by
discovery (RFC 8414: `introspection_endpoint`, `revocation_endpoint`) unless given
(`--endpoint`, or the profile's key of the same name), and take the profile's own
client authentication."""

from __future__ import annotations

from dataclasses import dataclass

from m2m_tui.config.profile import Profile
from m2m_tui.lazy import lazy_module
from m2m_tui.oauth.discovery import DiscoveryFailed, discover
from m2m_tui.oauth.token_request import client_authentication
from m2m_tui.transcript import describe_transport_error, read_timeout

httpx = lazy_module("httpx")


@dataclass
class StatusAnswer:
    """What the server said, or why it could not be asked. `error` names the kind, as a
    TokenOutcome's does: "configuration", "network", "timeout", "tls", "not_json",
    "server_error", or the server's own OAuth error code."""

    body: dict | None = None
    error: str | None = None
    description: str = ""
    endpoint: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


async def introspect(
    profile: Profile,
    secret: str | None,
    token: str,
    client: httpx.AsyncClient,
    endpoint: str | None = None,
) -> StatusAnswer:
    answer = await _post(profile, secret, token, client, "introspection_endpoint", endpoint)
    if answer.ok and not isinstance((answer.body or {}).get("active"), bool):
        return StatusAnswer(
            error="not_json",
            description=f"{answer.endpoint} answered without an `active` member: not an "
            "RFC 7662 introspection response",
            endpoint=answer.endpoint,
        )
    return answer


async def revoke(
    profile: Profile,
    secret: str | None,
    token: str,
    client: httpx.AsyncClient,
    endpoint: str | None = None,
) -> StatusAnswer:
    return await _post(profile, secret, token, client, "revocation_endpoint", endpoint)


async def _post(
    profile: Profile,
    secret: str | None,
    token: str,
    client: httpx.AsyncClient,
    field: str,
    endpoint: str | None,
) -> StatusAnswer:
    from m2m_tui import stale_connection  # httpx, loaded when first needed

    if endpoint is None:  # --endpoint, else the profile's own, else discovery
        endpoint = getattr(profile, field)
    if endpoint is None:
        try:
            endpoint = await discover(profile.issuer, client, field)
        except DiscoveryFailed as exc:
            if exc.unreachable:  # the server is down, not lacking the endpoint
                return StatusAnswer(error="network", description=str(exc))
            return StatusAnswer(
                error="configuration",
                description=f"{exc}. The provider may not offer it; if it does, give its URL "
                "with --endpoint",
            )
    form, headers = client_authentication(profile, secret, profile.issuer)
    form = {"token": token, "token_type_hint": "access_token", **form}
    try:
        response = await stale_connection.send(
            client, "POST", endpoint, data=form, headers={"Accept": "application/json", **headers}
        )
    except httpx.HTTPError as exc:
        kind, text = describe_transport_error(exc, endpoint, read_timeout(client))
        return StatusAnswer(error=kind, description=text, endpoint=endpoint)
    kind = response.headers.get("content-type", "no content type").split(";")[0].strip()
    body = None
    if response.content:
        try:
            body = response.json()
        except ValueError:
            body = None
    if response.status_code == 200 and field == "revocation_endpoint":
        return StatusAnswer(body=body if isinstance(body, dict) else {}, endpoint=endpoint)
    if not isinstance(body, dict):
        what = f"HTTP {response.status_code} {kind}"
        return StatusAnswer(
            error="not_json" if response.status_code < 500 else "server_error",
            description=f"{endpoint} answered {what}, not a JSON object",
            endpoint=endpoint,
        )
    if response.status_code != 200:
        error = body.get("error") if isinstance(body.get("error"), str) else "server_error"
        said = body.get("error_description") or body.get("message") or ""
        description = f"HTTP {response.status_code}: {error}{': ' + said if said else ''}"
        if error == "unsupported_token_type":
            description += _unsupported(field, token)
        return StatusAnswer(error=error, description=description, endpoint=endpoint)
    return StatusAnswer(body=body, endpoint=endpoint)


def _unsupported(field: str, token: str) -> str:
    """RFC 7009 §2.2.1's error, which some providers also give at introspection: for
    JWT access tokens (oidc-provider, for one) they expect the API to check the JWT."""
    verb = "introspect" if field == "introspection_endpoint" else "revoke"
    said = f". This provider will not {verb} this kind of token"
    if token.count(".") == 2:
        said += " (a JWT): `m2m-tui verify` checks it against the issuer's keys" + (
            "" if verb == "introspect" else ", and it stays valid until its exp"
        )
    return said
