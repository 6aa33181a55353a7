"""The tenant's own settings that the Management API's `tenants/settings` shows: for now
Auth0's `default_token_quota`, the quotas of every client and organization that has none
of its own. Kept in the meta table, as JSON in the API's shape, so a backup carries it."""

from __future__ import annotations

import json

from ..models import TokenQuota
from .database import Database

DEFAULT_TOKEN_QUOTA = "default_token_quota"


class TenantSettings:
    def __init__(self, db: Database) -> None:
        self.db = db

    def default_token_quota(self) -> dict:
        """`{"clients": {...}, "organizations": {...}}` as stored; {} for none."""
        # Read on every token request: remembered until the next change, wrapped so that
        # "none" is remembered too (the database remembers no empty value).
        return self.db.remembered(("tenant", DEFAULT_TOKEN_QUOTA), self._load)["value"]

    def _load(self) -> dict:
        stored = self.db.get_meta(DEFAULT_TOKEN_QUOTA)
        return {"value": json.loads(stored) if stored else {}}

    def default_for(self, kind: str) -> TokenQuota | None:
        """The tenant's default quota for "clients" or "organizations", or None."""
        return TokenQuota.from_api(self.default_token_quota().get(kind))

    def set_default_token_quota(self, value: dict | None) -> None:
        with self.db.transaction() as db:
            if value:
                db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    (DEFAULT_TOKEN_QUOTA, json.dumps(value)),
                )
            else:
                db.execute("DELETE FROM meta WHERE key = ?", (DEFAULT_TOKEN_QUOTA,))
