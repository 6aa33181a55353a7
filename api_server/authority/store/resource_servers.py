"""The tenant's APIs (resource servers): their identifier, scopes, token lifetime,
signing algorithm, token dialect, RBAC switch and proof-of-possession requirement."""

from __future__ import annotations

import json
import sqlite3

from ..models import ResourceServer, Scope
from .database import Database


class ResourceServers:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _rs(self, row: sqlite3.Row) -> ResourceServer:
        return ResourceServer(
            id=row["id"],
            name=row["name"],
            identifier=row["identifier"],
            scopes=[Scope(**s) for s in json.loads(row["scopes"])],
            token_lifetime=row["token_lifetime"],
            signing_alg=row["signing_alg"],
            token_dialect=row["token_dialect"],
            is_system=bool(row["is_system"]),
            proof_of_possession=json.loads(row["proof_of_possession"] or "null"),
            enforce_policies=bool(row["enforce_policies"]),
        )

    def all(self) -> list[ResourceServer]:
        rows = self.db.conn.execute("SELECT * FROM resource_servers ORDER BY is_system DESC, rowid")
        return [self._rs(r) for r in rows]

    def get(self, id_or_identifier: str) -> ResourceServer | None:
        return self.db.remembered(("rs", id_or_identifier), lambda: self._load(id_or_identifier))

    def _load(self, id_or_identifier: str) -> ResourceServer | None:
        row = self.db.conn.execute(
            "SELECT * FROM resource_servers WHERE id = ? OR identifier = ?",
            (id_or_identifier, id_or_identifier),
        ).fetchone()
        return self._rs(row) if row else None

    def save(self, rs: ResourceServer) -> None:
        values = (
            rs.name,
            rs.identifier,
            json.dumps([s.to_api() for s in rs.scopes]),
            rs.token_lifetime,
            rs.signing_alg,
            rs.token_dialect,
            int(rs.is_system),
            json.dumps(rs.proof_of_possession) if rs.proof_of_possession else None,
            int(rs.enforce_policies),
        )
        with self.db.transaction() as db:
            # An edit keeps the API's place in the list (its rowid), which INSERT OR
            # REPLACE would move to the end: with two APIs, they would swap on each edit.
            changed = db.execute(
                "UPDATE resource_servers SET name = ?, identifier = ?, scopes = ?, "
                "token_lifetime = ?, signing_alg = ?, token_dialect = ?, is_system = ?, "
                "proof_of_possession = ?, enforce_policies = ? WHERE id = ?",
                (*values, rs.id),
            )
            if changed.rowcount == 0:
                db.execute(
                    "INSERT OR REPLACE INTO resource_servers (id, name, identifier, scopes, "
                    "token_lifetime, signing_alg, token_dialect, is_system, "
                    "proof_of_possession, enforce_policies) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (rs.id, *values),
                )
