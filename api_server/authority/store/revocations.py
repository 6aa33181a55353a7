"""What the tenant remembers of single tokens: access tokens revoked (RFC 7009), each
until its exp, and the client assertions already used (RFC 7523 §3, item 7)."""

from __future__ import annotations

import sqlite3
import time

from .database import Database


class Revocations:
    MAX_REVOKED = 100_000  # revoked access tokens remembered at once (each until its exp)

    def __init__(self, db: Database) -> None:
        self.db = db

    def revoke_token(self, jti: str, exp: float) -> bool:
        """Remember `jti` as revoked until `exp` (RFC 7009); tokens past their exp are
        refused anyway, so they are forgotten. False when the memory is full."""
        now = time.time()
        with self.db.transaction() as db:
            db.execute("DELETE FROM revoked_tokens WHERE exp < ?", (now,))
            (count,) = db.execute("SELECT COUNT(*) FROM revoked_tokens").fetchone()
            if count >= self.MAX_REVOKED:
                return False
            db.execute("INSERT OR REPLACE INTO revoked_tokens VALUES (?, ?)", (jti, exp))
        return True

    def is_revoked(self, jti: str) -> bool:
        row = self.db.conn.execute(
            "SELECT exp FROM revoked_tokens WHERE jti = ?", (jti,)
        ).fetchone()
        return row is not None

    def use_assertion_id(self, jti: str, exp: float) -> bool:
        """Record `jti`; False when it was already used and has not yet expired."""
        now = time.time()
        with self.db.transaction() as db:
            db.execute("DELETE FROM used_assertions WHERE exp < ?", (now,))
            try:
                db.execute("INSERT INTO used_assertions VALUES (?, ?)", (jti, exp))
            except sqlite3.IntegrityError:
                return False
        return True
