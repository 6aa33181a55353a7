"""What the session knows of the API it calls: its endpoints (from its OpenAPI
document, else World Mappers' built-in table), the scopes they need, and its RFC 9728
metadata. Changed only by `load` and `clear`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from m2m_tui.api.client import ApiEndpoint, load_endpoints
from m2m_tui.api.worldmappers import ENDPOINTS as WORLD_MAPPERS

if TYPE_CHECKING:
    import httpx

    from m2m_tui.session.documents import Documents


class ApiCatalog:
    def __init__(self, documents: Documents) -> None:
        self._documents = documents
        self.clear()

    def clear(self) -> None:
        self._endpoints: list[ApiEndpoint] = []
        self._source = ""
        self._metadata: dict = {}

    @property
    def endpoints(self) -> list[ApiEndpoint]:
        return list(self._endpoints)

    @property
    def source(self) -> str:
        return self._source

    @property
    def metadata(self) -> dict:
        return self._metadata

    @property
    def offered_scopes(self) -> list[str]:
        return sorted({e.scope for e in self._endpoints if e.scope})

    def use_table(self, endpoints: list[ApiEndpoint], source: str) -> None:
        """Endpoints known without asking the API (the built-in table, a benchmark's)."""
        self._endpoints, self._source = list(endpoints), source

    async def load(self, base: str | None, client: httpx.AsyncClient | None) -> None:
        """Read the API afresh (the user asked, or the profile changed)."""
        if not base or client is None:
            self.use_table(WORLD_MAPPERS, "built-in table")
            return
        # Side by side: an API that hangs costs one timeout, not two.
        (self._endpoints, self._source), self._metadata = await asyncio.gather(
            load_endpoints(base, client, WORLD_MAPPERS),
            self._documents.api_metadata(base, client, fresh=True),
        )

    async def current_metadata(self, base: str, client: httpx.AsyncClient) -> dict:
        """The metadata as of now: the kept copy within its max-age, else fetched again
        (the API may have been restarted with other settings)."""
        self._metadata = await self._documents.api_metadata(base, client)
        return self._metadata
