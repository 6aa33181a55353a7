"""The tenant's token exchange profiles (RFC 8693 policy, in Auth0's shape): which
clients may exchange which subject tokens, for which audiences, with which scopes."""

from __future__ import annotations

import json
import sqlite3
import time

from ..models import TokenExchangeProfile
from .conflicts import Unique, kept_unique
from .database import Database
from .grants import new_id

# Stored as JSON, each its own column.
_LISTS = ("client_ids", "audiences", "scope_map", "trusted_issuers")


class ExchangeProfiles:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _profile(row: sqlite3.Row) -> TokenExchangeProfile:
        return TokenExchangeProfile(
            id=row["id"],
            name=row["name"],
            subject_token_type=row["subject_token_type"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            action_id=row["action_id"],
            type=row["type"],
            **{name: json.loads(row[name]) for name in _LISTS},
        )

    def all(self) -> list[TokenExchangeProfile]:
        rows = self.db.conn.execute("SELECT * FROM token_exchange_profiles ORDER BY rowid")
        return [self._profile(r) for r in rows]

    def get(self, profile_id: str) -> TokenExchangeProfile | None:
        row = self.db.conn.execute(
            "SELECT * FROM token_exchange_profiles WHERE id = ?", (profile_id,)
        ).fetchone()
        return self._profile(row) if row else None

    def for_client(self, client_id: str, subject_token_type: str) -> list[TokenExchangeProfile]:
        """The profiles that let `client_id` exchange a `subject_token_type`, kept in
        memory for the token endpoint until the next change."""
        return self.db.remembered(
            ("exchange", client_id, subject_token_type),
            lambda: [
                p
                for p in self.all()
                if client_id in p.client_ids and p.subject_token_type == subject_token_type
            ],
        )

    def create(self, profile: TokenExchangeProfile | None = None, **fields) -> TokenExchangeProfile:
        """A new profile from `fields` (or a whole one, a restored backup's: its id and
        times kept). Raises AlreadyExists when the name is taken."""
        if profile is None:
            now = time.time()
            profile = TokenExchangeProfile(new_id("tep_"), created_at=now, updated_at=now, **fields)
        self._write("INSERT", profile)
        return profile

    def update(self, profile: TokenExchangeProfile) -> TokenExchangeProfile:
        """Raises AlreadyExists when the new name is taken."""
        profile.updated_at = time.time()
        self._write("UPDATE", profile)
        return profile

    def delete(self, profile_id: str) -> bool:
        with self.db.transaction() as db:
            found = db.execute("DELETE FROM token_exchange_profiles WHERE id = ?", (profile_id,))
            return found.rowcount > 0

    def _write(self, verb: str, p: TokenExchangeProfile) -> None:
        values = {
            "id": p.id,
            "name": p.name,
            "subject_token_type": p.subject_token_type,
            "type": p.type,
            "action_id": p.action_id,
            **{name: json.dumps(getattr(p, name)) for name in _LISTS},
            "created_at": p.created_at,
            "updated_at": p.updated_at,
        }
        if verb == "INSERT":
            names, marks = ", ".join(values), ", ".join("?" * len(values))
            sql = f"INSERT INTO token_exchange_profiles ({names}) VALUES ({marks})"
            args = tuple(values.values())
        else:
            sets = ", ".join(f"{k} = ?" for k in values if k != "id")
            sql = f"UPDATE token_exchange_profiles SET {sets} WHERE id = ?"
            args = (*(v for k, v in values.items() if k != "id"), p.id)
        with kept_unique(Unique.EXCHANGE_PROFILE_NAME, name=p.name), self.db.transaction() as db:
            db.execute(sql, args)
