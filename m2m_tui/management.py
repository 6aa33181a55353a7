"""A small client for Auth0's Management API v2 (the bundled tenant speaks the same subset)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from m2m_tui.config import Config, Profile


class ManagementError(Exception):
    """A Management API refusal, with Auth0's own message."""


def management_profile(config: Config, issuer: str) -> Profile | None:
    """A profile whose token is for this issuer's Management API (`<issuer>api/v2/`)."""
    from m2m_tui.profiles import apply_sample_env

    for profile in config.profiles.values():
        if profile.issuer == issuer and profile.audience == issuer + "api/v2/":
            return apply_sample_env(profile, {})
    return None


@dataclass
class ManagementClient:
    issuer: str
    token: str
    client: httpx.AsyncClient

    async def _request(self, method: str, path: str, **kwargs) -> object:
        response = await self.client.request(
            method,
            self.issuer + "api/v2" + path,
            headers={"Authorization": f"Bearer {self.token}"},
            **kwargs,
        )
        if response.status_code >= 400:
            try:
                message = response.json().get("message", response.text)
            except ValueError:
                message = response.text[:200]
            raise ManagementError(f"{response.status_code}: {message}")
        return response.json() if response.content else None

    async def client_name(self, client_id: str) -> str | None:
        try:
            body = await self._request("GET", f"/clients/{client_id}")
        except ManagementError:
            return None
        return body.get("name") if isinstance(body, dict) else None

    async def grant(self, client_id: str, audience: str) -> dict | None:
        found = await self._request(
            "GET", "/client-grants", params={"client_id": client_id, "audience": audience}
        )
        return found[0] if isinstance(found, list) and found else None

    async def add_scopes(self, client_id: str, audience: str, scopes: list[str]) -> dict:
        """Add scopes to the client's grant, creating the grant when there is none."""
        grant = await self.grant(client_id, audience)
        if grant is None:
            return await self._request(
                "POST",
                "/client-grants",
                json={"client_id": client_id, "audience": audience, "scope": scopes},
            )
        merged = list(dict.fromkeys([*grant["scope"], *scopes]))
        return await self._request("PATCH", f"/client-grants/{grant['id']}", json={"scope": merged})
