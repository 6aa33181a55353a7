"""The tenant's organizations (Auth0's Organizations for M2M): who they are, and which
client grants may name them in a token request."""

from __future__ import annotations

import json
import secrets
import sqlite3
import string

from ..models import Organization, TokenQuota
from .conflicts import Unique, kept_unique
from .database import Database

ALNUM = string.ascii_letters + string.digits


class Organizations:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _organization(row: sqlite3.Row) -> Organization:
        quota = TokenQuota.from_api(json.loads(row["token_quota"] or "null"))
        return Organization(row["id"], row["name"], row["display_name"], quota)

    def all(self) -> list[Organization]:
        rows = self.db.conn.execute("SELECT * FROM organizations ORDER BY name")
        return [self._organization(r) for r in rows]

    def get(self, id_or_name: str) -> Organization | None:
        """By id (org_…) or by name, as a token request may name it either way."""
        return self.db.remembered(("org", id_or_name), lambda: self._load(id_or_name))

    def _load(self, id_or_name: str) -> Organization | None:
        row = self.db.conn.execute(
            "SELECT * FROM organizations WHERE id = ?1 OR name = ?1", (id_or_name,)
        ).fetchone()
        return self._organization(row) if row else None

    def create(
        self, name: str, display_name: str = "", token_quota: TokenQuota | None = None
    ) -> Organization:
        """Raises AlreadyExists when the name is taken."""
        org_id = "org_" + "".join(secrets.choice(ALNUM) for _ in range(16))
        org = Organization(org_id, name, display_name, token_quota)
        with kept_unique(Unique.ORGANIZATION_NAME, name=name), self.db.transaction() as db:
            db.execute(
                "INSERT INTO organizations (id, name, display_name, token_quota)"
                " VALUES (?, ?, ?, ?)",
                (org.id, name, display_name, _quota_json(token_quota)),
            )
        return org

    def update(self, org: Organization) -> None:
        """Raises AlreadyExists when the new name is taken."""
        with kept_unique(Unique.ORGANIZATION_NAME, name=org.name), self.db.transaction() as db:
            db.execute(
                "UPDATE organizations SET name = ?, display_name = ?, token_quota = ? WHERE id = ?",
                (org.name, org.display_name, _quota_json(org.token_quota), org.id),
            )

    def delete(self, org_id: str) -> int | None:
        """Delete it and its grant associations (as Auth0 does); how many associations
        went with it, or None when there was no such organization."""
        with self.db.transaction() as db:
            gone = db.execute(
                "DELETE FROM organization_client_grants WHERE organization_id = ?", (org_id,)
            ).rowcount
            if db.execute("DELETE FROM organizations WHERE id = ?", (org_id,)).rowcount == 0:
                return None
        return gone

    def grant_ids(self, org_id: str) -> list[str]:
        rows = self.db.conn.execute(
            "SELECT grant_id FROM organization_client_grants WHERE organization_id = ?"
            " ORDER BY rowid",
            (org_id,),
        )
        return [r["grant_id"] for r in rows]

    def of_grant(self, grant_id: str) -> list[str]:
        rows = self.db.conn.execute(
            "SELECT organization_id FROM organization_client_grants WHERE grant_id = ?"
            " ORDER BY rowid",
            (grant_id,),
        )
        return [r["organization_id"] for r in rows]

    def is_associated(self, org_id: str, grant_id: str) -> bool:
        """Whether the grant may name this organization (the token endpoint asks)."""
        return bool(
            self.db.remembered(
                ("org-grant", org_id, grant_id),
                lambda: (
                    [1]
                    if self.db.conn.execute(
                        "SELECT 1 FROM organization_client_grants"
                        " WHERE organization_id = ? AND grant_id = ?",
                        (org_id, grant_id),
                    ).fetchone()
                    else []
                ),
            )
        )

    def associate(self, org_id: str, grant_id: str) -> None:
        with self.db.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO organization_client_grants (organization_id, grant_id)"
                " VALUES (?, ?)",
                (org_id, grant_id),
            )

    def dissociate(self, org_id: str, grant_id: str) -> bool:
        with self.db.transaction() as db:
            return (
                db.execute(
                    "DELETE FROM organization_client_grants"
                    " WHERE organization_id = ? AND grant_id = ?",
                    (org_id, grant_id),
                ).rowcount
                > 0
            )


def _quota_json(quota: TokenQuota | None) -> str | None:
    return None if quota is None else json.dumps(quota.to_api())
