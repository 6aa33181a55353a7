"""The tenant's signing keys: current, next (already published), previous and revoked;
rotation moves each one step."""

from __future__ import annotations

import sqlite3
import time

from ..keys import CURRENT, NEXT, PREVIOUS, REVOKED, SigningKey, generate_signing_key
from .database import Database


class SigningKeys:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _key(self, row: sqlite3.Row) -> SigningKey:
        return SigningKey(**{k: row[k] for k in row.keys()})

    def all(self) -> list[SigningKey]:
        rows = self.db.conn.execute("SELECT * FROM signing_keys ORDER BY created_at")
        return [self._key(r) for r in rows]

    def ensure(self, subject: str) -> None:
        """First start: a current key that signs and a next key already published."""
        statuses = {k.status for k in self.all()}
        for status in (CURRENT, NEXT):
            if status not in statuses:
                self._insert(generate_signing_key(status, subject))

    def _insert(self, key: SigningKey) -> None:
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO signing_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key.kid,
                    key.private_pem,
                    key.cert_der,
                    key.status,
                    key.created_at,
                    key.current_since,
                    key.current_until,
                    key.revoked_at,
                ),
            )

    def rotate(self, subject: str) -> SigningKey:
        """next → current, current → previous, and a fresh next. Returns the new current."""
        fresh = generate_signing_key(NEXT, subject)  # slow part outside the transaction
        now = time.time()
        with self.db.transaction() as db:
            db.execute(
                "UPDATE signing_keys SET status = ?, current_until = ? WHERE status = ?",
                (PREVIOUS, now, CURRENT),
            )
            db.execute(
                "UPDATE signing_keys SET status = ?, current_since = ? WHERE status = ?",
                (CURRENT, now, NEXT),
            )
            db.execute(
                "INSERT INTO signing_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    fresh.kid,
                    fresh.private_pem,
                    fresh.cert_der,
                    NEXT,
                    fresh.created_at,
                    None,
                    None,
                    None,
                ),
            )
        return next(k for k in self.all() if k.status == CURRENT)

    def revoke(self, kid: str) -> SigningKey:
        with self.db.transaction() as db:
            db.execute(
                "UPDATE signing_keys SET status = ?, revoked_at = ? WHERE kid = ?",
                (REVOKED, time.time(), kid),
            )
        return next(k for k in self.all() if k.kid == kid)
