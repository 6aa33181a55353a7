"""Which API a token is for, and the scopes that API offers, for the Inspector's "Scopes
against the API". A token obtained by exchange (RFC 8693) is for another API than the
session profile's: its scopes are compared with that API's (the acting profile's
`/openapi.json`, else the Management API's resource server), never with the profile's
API, where each would read as not granted. When neither is known, it is said plainly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from m2m_tui.api.client import load_endpoints
from m2m_tui.config.file import Config
from m2m_tui.config.profile import Profile

if TYPE_CHECKING:
    import httpx

    from m2m_tui.session.tenant_admin import TenantAdmin


@dataclass(frozen=True)
class ApiScopes:
    api: str  # the API compared with, in words
    offered: list[str] | None  # None: not known, the token's scopes listed without compare
    own: bool = False  # the profile's own API: its scopes read live (they load later)


def audiences(payload: dict) -> list[str]:
    aud = payload.get("aud")
    return [a for a in (aud if isinstance(aud, list) else [aud]) if isinstance(a, str)]


async def api_scopes(
    payload: dict,
    profile: Profile,
    config: Config,
    own: list[str],
    client: Callable[[], httpx.AsyncClient],
    admin: TenantAdmin,
) -> ApiScopes:
    """The scopes of the API `payload`'s token is for: `own` (the profile's API's) when its
    aud names the profile's audience (or names none), else that API's, looked up."""
    auds = audiences(payload)
    if not auds or not profile.audience or profile.audience in auds:
        return ApiScopes("the API", own, own=True)
    for other in config.profiles.values():
        if other.audience in auds and other.api_base_url and other.name != profile.name:
            async with client() as http:
                endpoints, source = await load_endpoints(other.api_base_url, http, [])
            if endpoints:
                scopes = sorted({e.scope for e in endpoints if e.scope})
                return ApiScopes(f"{other.audience} (profile {other.name}'s API, {source})", scopes)
    found = await _resource_server(auds, client, admin)
    if found is not None:
        return found
    return ApiScopes(
        f"{' '.join(auds)}: its scopes are not known here (no profile aims at it with an "
        f"api_base_url, and the Management API could not say); not {profile.audience}'s",
        None,
    )


async def _resource_server(auds: list[str], client, admin: TenantAdmin) -> ApiScopes | None:
    """The token's API as the tenant's Management API describes it, if it can."""
    import httpx

    from m2m_tui.admin.management_api import ManagementError, ManagementUnavailable

    try:
        async with client() as http:
            servers = await (await admin.management(http)).resource_servers()
    except (ManagementError, ManagementUnavailable, httpx.HTTPError, ValueError):
        return None  # said by the caller: the Management API could not say
    for server in servers:
        if server.get("identifier") in auds:
            scopes = sorted(s.get("value") for s in server.get("scopes") or [] if s.get("value"))
            name = server.get("name") or server["identifier"]
            return ApiScopes(f"{name} ({server['identifier']}, from the Management API)", scopes)
    return None
