"""The tenant's applications: their secret (hashed; sealed too for client_secret_jwt,
see sealed_secrets.py) and their credentials (keys for private_key_jwt, certificates and
subject DNs for mutual TLS). Deleting one takes its grants with it
(Tenant.delete_client)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

from ..models import Client, Credential, TokenQuota
from .database import Database


class Clients:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _client(self, row: sqlite3.Row) -> Client:
        return Client(
            client_id=row["client_id"],
            name=row["name"],
            description=row["description"],
            secret_hash=row["secret_hash"],
            token_endpoint_auth_method=row["token_endpoint_auth_method"],
            credentials=[Credential(**c) for c in json.loads(row["credentials"])],
            token_quota=TokenQuota.from_api(json.loads(row["token_quota"] or "null")),
            secret_sealed=row["secret_sealed"],
        )

    def all(self) -> list[Client]:
        return [
            self._client(r) for r in self.db.conn.execute("SELECT * FROM clients ORDER BY rowid")
        ]

    def get(self, client_id: str) -> Client | None:
        return self.db.remembered(("client", client_id), lambda: self._load(client_id))

    def _load(self, client_id: str) -> Client | None:
        row = self.db.conn.execute(
            "SELECT * FROM clients WHERE client_id = ?", (client_id,)
        ).fetchone()
        return self._client(row) if row else None

    def save(self, client: Client) -> None:
        creds = [dataclasses.asdict(c) for c in client.credentials]
        quota = client.token_quota
        with self.db.transaction() as db:
            # An upsert, not INSERT OR REPLACE: a changed client keeps its row, so the
            # list keeps its order (a quota set on the first client leaves it first).
            db.execute(
                "INSERT INTO clients (client_id, name, description, secret_hash,"
                " token_endpoint_auth_method, credentials, token_quota, secret_sealed)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET"
                " name = excluded.name, description = excluded.description,"
                " secret_hash = excluded.secret_hash,"
                " token_endpoint_auth_method = excluded.token_endpoint_auth_method,"
                " credentials = excluded.credentials, token_quota = excluded.token_quota,"
                " secret_sealed = excluded.secret_sealed",
                (
                    client.client_id,
                    client.name,
                    client.description,
                    client.secret_hash,
                    client.token_endpoint_auth_method,
                    json.dumps(creds),
                    None if quota is None else json.dumps(quota.to_api()),
                    client.secret_sealed,
                ),
            )
