"""The tenant's client grants: which client may get tokens for which API, with which
scopes, and whether (and which) organizations its tokens may name."""

from __future__ import annotations

import json
import secrets
import sqlite3
import string

from ..models import ClientGrant
from .conflicts import Unique, kept_unique
from .database import Database

ALNUM = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 16) -> str:
    return prefix + "".join(secrets.choice(ALNUM) for _ in range(length))


class ClientGrants:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _grant(self, row: sqlite3.Row) -> ClientGrant:
        return ClientGrant(
            id=row["id"],
            client_id=row["client_id"],
            audience=row["audience"],
            scope=json.loads(row["scope"]),
            organization_usage=row["organization_usage"],
            allow_any_organization=bool(row["allow_any_organization"]),
        )

    def all(self, client_id: str | None = None, audience: str | None = None) -> list[ClientGrant]:
        rows = self.db.conn.execute(
            "SELECT * FROM client_grants WHERE (?1 IS NULL OR client_id = ?1)"
            " AND (?2 IS NULL OR audience = ?2) ORDER BY rowid",
            (client_id, audience),
        )
        return [self._grant(r) for r in rows]

    def get(self, grant_id: str) -> ClientGrant | None:
        row = self.db.conn.execute(
            "SELECT * FROM client_grants WHERE id = ?", (grant_id,)
        ).fetchone()
        return self._grant(row) if row else None

    def for_client(self, client_id: str, audience: str) -> ClientGrant | None:
        found = self.db.remembered(
            ("grant", client_id, audience), lambda: self.all(client_id, audience)
        )
        return found[0] if found else None

    def create(
        self,
        client_id: str,
        audience: str,
        scope: list[str],
        organization_usage: str = "deny",
        allow_any_organization: bool = False,
    ) -> ClientGrant:
        """Raises AlreadyExists when the client already has a grant for the audience."""
        grant = ClientGrant(
            new_id("cgr_"), client_id, audience, scope, organization_usage, allow_any_organization
        )
        taken = kept_unique(Unique.CLIENT_GRANT, client_id=client_id, audience=audience)
        with taken, self.db.transaction() as db:
            db.execute(
                "INSERT INTO client_grants (id, client_id, audience, scope, organization_usage,"
                " allow_any_organization) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    grant.id,
                    client_id,
                    audience,
                    json.dumps(scope),
                    organization_usage,
                    int(allow_any_organization),
                ),
            )
        return grant

    def update_scope(self, grant_id: str, scope: list[str]) -> ClientGrant | None:
        with self.db.transaction() as db:
            db.execute(
                "UPDATE client_grants SET scope = ? WHERE id = ?", (json.dumps(scope), grant_id)
            )
        return self.get(grant_id)

    def update_organizations(
        self, grant_id: str, usage: str | None, allow_any: bool | None
    ) -> ClientGrant | None:
        with self.db.transaction() as db:
            if usage is not None:
                db.execute(
                    "UPDATE client_grants SET organization_usage = ? WHERE id = ?",
                    (usage, grant_id),
                )
            if allow_any is not None:
                db.execute(
                    "UPDATE client_grants SET allow_any_organization = ? WHERE id = ?",
                    (int(allow_any), grant_id),
                )
        return self.get(grant_id)
