"""Documents the session fetches about servers (the issuer's JWKS, the API's RFC 9728
metadata), each reused for as long as its Cache-Control max-age allows: the inspector,
the predictions and the diagnosis of one refusal read the same copy, not three."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from m2m_tui.api.client import load_metadata_with_age
from m2m_tui.oauth.discovery import server_metadata_with_age
from m2m_tui.oauth.jwks import fetch_jwks_with_age

if TYPE_CHECKING:
    import httpx


class Documents:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._kept: dict[tuple[str, str], tuple[dict, float]] = {}  # → (document, until)

    async def _get(
        self, key: tuple[str, str], fetch: Callable[[], Awaitable[tuple[dict, float | None]]]
    ) -> dict:
        kept = self._kept.get(key)
        if kept is not None and self._clock() < kept[1]:
            return kept[0]
        document, max_age = await fetch()
        if max_age:
            self._kept[key] = (document, self._clock() + max_age)
        else:
            self._kept.pop(key, None)
        return document

    async def jwks(self, issuer: str, client: httpx.AsyncClient, fresh: bool = False) -> dict:
        """The issuer's JWKS; ValueError with a reason when it cannot be had. `fresh`
        asks the issuer again whatever the max-age."""
        if fresh:
            self._kept.pop(("jwks", issuer), None)
        return await self._get(("jwks", issuer), lambda: fetch_jwks_with_age(issuer, client))

    async def api_metadata(
        self, base_url: str, client: httpx.AsyncClient, fresh: bool = False
    ) -> dict:
        """The API's RFC 9728 metadata, {} when it publishes none. `fresh` asks again
        whatever the max-age (the user reloaded the API)."""
        if fresh:
            self._kept.pop(("metadata", base_url), None)
        return await self._get(
            ("metadata", base_url), lambda: load_metadata_with_age(base_url, client)
        )

    async def server_metadata(self, issuer: str, client: httpx.AsyncClient) -> dict:
        """The authorization server's metadata, {} when it publishes none."""
        return await self._get(("server", issuer), lambda: server_metadata_with_age(issuer, client))

    def forget(self) -> None:
        """Another profile may be another tenant and another API."""
        self._kept.clear()
