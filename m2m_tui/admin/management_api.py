"""A client for Auth0's Management API v2: the subset the bundled tenant also speaks.

Edits are PATCHes that name only what changes. A 429 (a real tenant's rate limit) is
waited out, honouring Retry-After, a bounded number of times.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from m2m_tui.config.file import Config
from m2m_tui.config.profile import Profile
from m2m_tui.lazy import lazy_module
from m2m_tui.transcript import Exchange, mask_headers
from oauth_primitives.rules.closed_sets import Dialect

httpx = lazy_module("httpx")
stale_connection = lazy_module("m2m_tui.stale_connection")  # imports httpx

MAX_RETRIES = 3
TRIGGER = "credentials-exchange"  # the Machine to Machine flow's Actions trigger
TRIGGER_V2 = {"id": TRIGGER, "version": "v2"}


class ManagementError(Exception):
    """A Management API refusal, with Auth0's own message."""

    def __init__(self, status: int, message: str, code: str = "") -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.code = code


class ManagementUnavailable(Exception):
    """No Management API token could be had; `network` when the server was unreachable."""

    def __init__(self, message: str, network: bool = False) -> None:
        super().__init__(message)
        self.network = network


def management_audience(issuer: str) -> str:
    """Auth0's Management API audience for `issuer`: `https://TENANT/api/v2/`, whether or
    not the issuer was written with its trailing slash."""
    return issuer.rstrip("/") + "/api/v2/"


def management_profile(config: Config, issuer: str) -> Profile | None:
    """A profile whose token is for this issuer's Management API (`<issuer>api/v2/`)."""
    from m2m_tui.config.profiles import profiles_at

    audience = management_audience(issuer)
    return next((p for p in profiles_at(config, issuer) if p.audience == audience), None)


# A checkpoint-paged list (Auth0's newer ones) is read PAGE_TAKE at a time, at most
# MAX_PAGES pages: far beyond a demo tenant, and never a loop on a server's bad `next`.
PAGE_TAKE = 100
MAX_PAGES = 50


@dataclass
class ManagementClient:
    issuer: str
    token: str
    client: httpx.AsyncClient
    on_wait: Callable[[float], None] = field(default=lambda seconds: None)
    # Gets a fresh Management API token; used once when the current one is refused (its
    # signing key was just revoked, or it expired during a long session).
    renew: Callable[[], Awaitable[str]] | None = None
    # Told of every change (any method but GET), refused or not, so the session's history
    # tells the whole story: the exchange as sent, the token masked.
    on_change: Callable[[Exchange], None] | None = None

    async def request(self, method: str, path: str, **kwargs) -> object:
        try:
            return await self._request(method, path, **kwargs)
        except ManagementError as exc:
            if exc.status != 401 or self.renew is None:
                raise
        self.token = await self.renew()
        return await self._request(method, path, **kwargs)

    async def _request(self, method: str, path: str, **kwargs) -> object:
        url = self.issuer + "api/v2" + path
        headers = {"Authorization": f"Bearer {self.token}"}
        exchange = Exchange(method, url, mask_headers(headers))
        if "json" in kwargs:
            exchange.request_content = json.dumps(kwargs["json"])
        started, response = time.perf_counter(), None
        try:
            for attempt in range(MAX_RETRIES + 1):
                # A pooled connection the server closed while idle is retried once
                # (stale_connection), like token requests and API calls.
                response = await stale_connection.send(
                    self.client, method, url, headers=headers, **kwargs
                )
                if response.status_code != 429 or attempt == MAX_RETRIES:
                    break
                try:
                    wait = min(float(response.headers.get("retry-after", "1")), 30.0)
                except ValueError:
                    wait = 1.0
                self.on_wait(wait)  # let the user see that we are backing off
                await asyncio.sleep(wait)
        finally:
            exchange.duration_ms = (time.perf_counter() - started) * 1000
            if method != "GET" and self.on_change is not None:
                if response is not None:  # else the request failed on its way: no status
                    exchange.status = response.status_code
                    exchange.response_headers = dict(response.headers)
                    exchange.response_text = response.text
                self.on_change(exchange)
        if response.status_code >= 400:
            try:
                body = response.json()
                message, code = body.get("message", response.text), body.get("errorCode", "")
            except (ValueError, AttributeError):
                message, code = response.text[:200], ""
            raise ManagementError(response.status_code, message, code)
        return response.json() if response.content else None

    # --- reads ----------------------------------------------------------------
    async def resource_servers(self) -> list[dict]:
        return await self.request("GET", "/resource-servers")

    async def clients(self) -> list[dict]:
        return await self.request("GET", "/clients")

    async def client_name(self, client_id: str) -> str | None:
        try:
            body = await self.request("GET", f"/clients/{client_id}")
        except ManagementError:
            return None
        return body.get("name") if isinstance(body, dict) else None

    async def grants(self, client_id: str | None = None, audience: str | None = None) -> list:
        params = {k: v for k, v in (("client_id", client_id), ("audience", audience)) if v}
        return await self.request("GET", "/client-grants", params=params)

    async def grant(self, client_id: str, audience: str) -> dict | None:
        found = await self.grants(client_id, audience)
        return found[0] if found else None

    async def signing_keys(self) -> list[dict]:
        return await self.request("GET", "/keys/signing")

    async def token_exchange_profiles(self) -> list[dict]:
        """Auth0's token exchange profiles (with m2m-tui's client_ids, audiences,
        scope_map and trusted_issuers at the bundled authority). Auth0 pages the list
        (`{"token_exchange_profiles": [...], "next": ...}`); a plain list is read too."""
        found: list[dict] = []
        params: dict = {"take": PAGE_TAKE}
        for _ in range(MAX_PAGES):  # Auth0's checkpoint paging: follow `next`, bounded
            body = await self.request("GET", "/token-exchange-profiles", params=params)
            if not isinstance(body, dict):
                return found + [p for p in body or [] if isinstance(p, dict)]
            found += [p for p in body.get("token_exchange_profiles") or [] if isinstance(p, dict)]
            after = body.get("next")
            if not isinstance(after, str) or not after:
                break
            params = {"take": PAGE_TAKE, "from": after}
        return found

    async def widen_exchange_profile(self, profile_id: str, field: str, value: str) -> dict:
        """`value` added to a token exchange profile's list `field` (audiences,
        client_ids), the list's other members kept."""
        profile = await self.request("GET", f"/token-exchange-profiles/{profile_id}")
        listed = [v for v in (profile or {}).get(field) or [] if v != value]
        return await self.request(
            "PATCH", f"/token-exchange-profiles/{profile_id}", json={field: [*listed, value]}
        )

    async def exchange_profile(self, profile_id: str) -> dict:
        return await self.request("GET", f"/token-exchange-profiles/{profile_id}")

    async def create_exchange_profile(self, body: dict) -> dict:
        return await self.request("POST", "/token-exchange-profiles", json=body)

    async def update_exchange_profile(self, profile_id: str, changes: dict) -> dict:
        """A PATCH naming only what changes; the bundled tenant answers the profile."""
        path = f"/token-exchange-profiles/{profile_id}"
        return await self.request("PATCH", path, json=changes) or await self.request("GET", path)

    async def delete_exchange_profile(self, profile_id: str) -> None:
        await self.request("DELETE", f"/token-exchange-profiles/{profile_id}")

    # --- organizations (Auth0's Organizations for M2M) ----------------------------
    async def organizations(self) -> list[dict]:
        return _listed(await self.request("GET", "/organizations", params={"per_page": 100}))

    async def find_organization(self, id_or_name: str) -> dict | None:
        """An organization by its id (org_…) or its name, as a token request names it."""
        return next(
            (o for o in await self.organizations() if id_or_name in (o["id"], o["name"])), None
        )

    async def create_organization(self, name: str, display_name: str = "") -> dict:
        body = {"name": name, **({"display_name": display_name} if display_name else {})}
        return await self.request("POST", "/organizations", json=body)

    async def delete_organization(self, org_id: str) -> None:
        await self.request("DELETE", f"/organizations/{org_id}")

    async def organization_grants(self, org_id: str) -> list[dict]:
        path = f"/organizations/{org_id}/client-grants"
        return _listed(await self.request("GET", path, params={"per_page": 100}))

    async def grant_organizations(self, grant_id: str) -> list[dict]:
        path = f"/client-grants/{grant_id}/organizations"
        return _listed(await self.request("GET", path, params={"per_page": 100}))

    async def associate(self, org_id: str, grant_id: str) -> dict:
        path = f"/organizations/{org_id}/client-grants"
        return await self.request("POST", path, json={"grant_id": grant_id})

    async def dissociate(self, org_id: str, grant_id: str) -> None:
        await self.request("DELETE", f"/organizations/{org_id}/client-grants/{grant_id}")

    async def set_organization_usage(
        self, grant_id: str, usage: str | None = None, allow_any: bool | None = None
    ) -> dict:
        """A grant's organization_usage (deny, allow, require) and allow_any_organization."""
        body = {"organization_usage": usage, "allow_any_organization": allow_any}
        body = {k: v for k, v in body.items() if v is not None}
        return await self.request("PATCH", f"/client-grants/{grant_id}", json=body)

    # --- token quotas (Auth0's fine-grained M2M token quotas) --------------------------
    async def get_client(self, client_id: str) -> dict:
        return await self.request("GET", f"/clients/{client_id}")

    async def set_client_quota(self, client_id: str, quota: dict | None) -> dict:
        """The client's `token_quota` ({"client_credentials": {...}}), or None to remove
        it (the tenant's default then applies)."""
        body = {"token_quota": quota}
        return await self.request("PATCH", f"/clients/{client_id}", json=body)

    async def set_organization_quota(self, org_id: str, quota: dict | None) -> dict:
        body = {"token_quota": quota}
        return await self.request("PATCH", f"/organizations/{org_id}", json=body)

    async def tenant_settings(self) -> dict:
        return await self.request("GET", "/tenants/settings")

    async def set_default_quota(self, defaults: dict | None) -> dict:
        """The tenant's whole `default_token_quota` ({"clients": …, "organizations": …}),
        or None to remove both."""
        body = {"default_token_quota": defaults}
        return await self.request("PATCH", "/tenants/settings", json=body)

    # --- edits ------------------------------------------------------------------
    async def create_grant(self, client_id: str, audience: str, scope: list[str]) -> dict:
        return await self.request(
            "POST",
            "/client-grants",
            json={"client_id": client_id, "audience": audience, "scope": scope},
        )

    async def set_grant_scope(self, grant_id: str, scope: list[str]) -> dict:
        return await self.request("PATCH", f"/client-grants/{grant_id}", json={"scope": scope})

    async def delete_grant(self, grant_id: str) -> None:
        await self.request("DELETE", f"/client-grants/{grant_id}")

    async def add_scopes(self, client_id: str, audience: str, scopes: list[str]) -> dict:
        """Add scopes to the client's grant, creating the grant when there is none.
        The grant is read right before the write, so concurrent edits are not lost."""
        grant = await self.grant(client_id, audience)
        if grant is None:
            return await self.create_grant(client_id, audience, scopes)
        merged = list(dict.fromkeys([*grant["scope"], *scopes]))
        return await self.set_grant_scope(grant["id"], merged)

    async def remove_scopes(self, client_id: str, audience: str, scopes: list[str]) -> dict:
        grant = await self.grant(client_id, audience)
        if grant is None:
            raise ManagementError(404, f"{client_id} has no grant on {audience}")
        kept = [s for s in grant["scope"] if s not in scopes]
        return await self.set_grant_scope(grant["id"], kept)

    async def set_api_scopes(self, rs_id: str, scopes: list[dict]) -> dict:
        return await self.request("PATCH", f"/resource-servers/{rs_id}", json={"scopes": scopes})

    async def set_proof_of_possession(self, rs_id: str, mode: str, mechanism: str = "dpop") -> dict:
        """Auth0's `proof_of_possession`: "required", "optional" or "off", by `mechanism`
        "dpop" (RFC 9449) or "mtls" (RFC 8705 certificate-bound tokens)."""
        value = None if mode == "off" else {"mechanism": mechanism, "required": mode == "required"}
        return await self.request(
            "PATCH", f"/resource-servers/{rs_id}", json={"proof_of_possession": value}
        )

    async def set_dialect(self, rs_id: str, dialect: str, rbac: bool | None = None) -> dict:
        """Auth0's `token_dialect` and, with it, RBAC (`enforce_policies`): the *_authz
        dialects need RBAC on, so they turn it on unless told otherwise."""
        body: dict = {"token_dialect": dialect}
        rbac = Dialect(dialect).needs_rbac if rbac is None else rbac
        body["enforce_policies"] = rbac
        return await self.request("PATCH", f"/resource-servers/{rs_id}", json=body)

    # --- Actions (the credentials-exchange trigger) --------------------------------
    async def actions(self) -> list[dict]:
        return _listed(
            await self.request(
                "GET", "/actions/actions", params={"triggerId": TRIGGER, "per_page": 100}
            )
        )

    async def find_action(self, id_or_name: str) -> dict | None:
        return next((a for a in await self.actions() if id_or_name in (a["id"], a["name"])), None)

    async def save_action(self, name: str, code: str) -> dict:
        """Create the Action, or update the draft of the one with this name."""
        found = await self.find_action(name)
        if found is None:
            body = {"name": name, "code": code, "supported_triggers": [TRIGGER_V2]}
            return await self.request("POST", "/actions/actions", json=body)
        return await self.request("PATCH", f"/actions/actions/{found['id']}", json={"code": code})

    async def deploy_action(self, action_id: str) -> dict:
        return await self.request("POST", f"/actions/actions/{action_id}/deploy")

    async def bindings(self) -> list[dict]:
        return _listed(await self.request("GET", f"/actions/triggers/{TRIGGER}/bindings"))

    async def set_bindings(self, action_ids: list[str]) -> list[dict]:
        refs = [{"ref": {"type": "action_id", "value": a}} for a in action_ids]
        path = f"/actions/triggers/{TRIGGER}/bindings"
        return _listed(await self.request("PATCH", path, json={"bindings": refs}))

    async def deploy(self, name: str, code: str, bind: bool = False) -> tuple[dict, bool, bool]:
        """Create the Action (or update its draft) and deploy it; with `bind`, put it last
        in the flow unless it is there already. Its deployed version, and whether it was
        bound before and is bound now (as the tenant's answer says)."""
        saved = await self.save_action(name, code)
        version = await self.deploy_action(saved["id"])
        bound = [b["action"]["id"] for b in await self.bindings()]
        before = saved["id"] in bound
        if bind and not before:
            bound = [b["action"]["id"] for b in await self.set_bindings([*bound, saved["id"]])]
        return version, before, saved["id"] in bound

    async def create_client(self, name: str) -> dict:
        return await self.request("POST", "/clients", json={"name": name})

    async def rotate_key(self) -> dict:
        return await self.request("POST", "/keys/signing/rotate")

    async def revoke_key(self, kid: str) -> dict:
        return await self.request("PUT", f"/keys/signing/{kid}/revoke")


def _listed(body: object) -> list[dict]:
    """A list page: a plain array, or Auth0's object form ({"organizations": [...]}, say,
    with include_totals or checkpoint pagination)."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, list):
                return value
    raise ManagementError(0, f"the Management API answered a list with {type(body).__name__}")
