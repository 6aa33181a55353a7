"""The tenant's Actions (Auth0's credentials-exchange Actions) and their bindings to the
trigger. An Action has its draft (code, secrets) and, once deployed, the deployed copy
that the token endpoint runs: editing the draft changes nothing until the next deploy."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .conflicts import Unique, kept_unique
from .database import Database

TRIGGER = "credentials-exchange"
RUNTIME = "node22"


def _iso(at: float | None) -> str | None:
    return (
        None if at is None else datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")
    )


@dataclass
class Action:
    id: str
    name: str
    code: str
    runtime: str = RUNTIME
    secrets: dict[str, str] = field(default_factory=dict)
    created_at: float = 0.0
    updated_at: float = 0.0
    deployed_code: str | None = None
    deployed_secrets: dict[str, str] | None = None
    deployed_number: int = 0
    deployed_at: float | None = None

    @property
    def all_changes_deployed(self) -> bool:
        return self.deployed_code == self.code and self.deployed_secrets == self.secrets

    def version(self) -> dict | None:
        """The deployed version, as Auth0's ActionVersion."""
        if self.deployed_code is None:
            return None
        return {
            "id": f"{self.id}-v{self.deployed_number}",
            "action_id": self.id,
            "code": self.deployed_code,
            "number": self.deployed_number,
            "deployed": True,
            "runtime": self.runtime,
            "status": "built",
            "supported_triggers": [{"id": TRIGGER, "version": "v2"}],
            "created_at": _iso(self.deployed_at),
            "updated_at": _iso(self.deployed_at),
        }

    def to_api(self) -> dict:
        body = {
            "id": self.id,
            "name": self.name,
            "supported_triggers": [{"id": TRIGGER, "version": "v2"}],
            "code": self.code,
            "dependencies": [],
            "runtime": self.runtime,
            # Secrets are write-only, as at Auth0: their names, never their values.
            "secrets": [{"name": n, "updated_at": _iso(self.updated_at)} for n in self.secrets],
            "status": "built",
            "all_changes_deployed": self.all_changes_deployed,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
        }
        version = self.version()
        if version is not None:
            body["deployed_version"] = version
        return body


@dataclass
class Binding:
    id: str
    action: Action
    display_name: str
    created_at: float

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "trigger_id": TRIGGER,
            "action": self.action.to_api(),
            "display_name": self.display_name,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.created_at),
        }


class Actions:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _action(row: sqlite3.Row) -> Action:
        deployed = row["deployed_secrets"]
        return Action(
            id=row["id"],
            name=row["name"],
            code=row["code"],
            runtime=row["runtime"],
            secrets=json.loads(row["secrets"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            deployed_code=row["deployed_code"],
            deployed_secrets=json.loads(deployed) if deployed is not None else None,
            deployed_number=row["deployed_number"],
            deployed_at=row["deployed_at"],
        )

    def all(self) -> list[Action]:
        rows = self.db.conn.execute("SELECT * FROM actions ORDER BY created_at, name")
        return [self._action(r) for r in rows]

    def get(self, id_or_name: str) -> Action | None:
        row = self.db.conn.execute(
            "SELECT * FROM actions WHERE id = ?1 OR name = ?1", (id_or_name,)
        ).fetchone()
        return self._action(row) if row else None

    def create(self, name: str, code: str, secrets: dict[str, str], runtime: str) -> Action:
        """Raises AlreadyExists when the name is taken."""
        now = time.time()
        action = Action(str(uuid.uuid4()), name, code, runtime, secrets, now, now)
        with kept_unique(Unique.ACTION_NAME, name=name), self.db.transaction() as db:
            db.execute(
                "INSERT INTO actions (id, name, code, runtime, secrets, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (action.id, name, code, runtime, json.dumps(secrets), now, now),
            )
        return action

    def update(self, action: Action) -> None:
        """Raises AlreadyExists when the new name is taken."""
        action.updated_at = time.time()
        with kept_unique(Unique.ACTION_NAME, name=action.name), self.db.transaction() as db:
            db.execute(
                "UPDATE actions SET name = ?, code = ?, runtime = ?, secrets = ?, updated_at = ?"
                " WHERE id = ?",
                (
                    action.name,
                    action.code,
                    action.runtime,
                    json.dumps(action.secrets),
                    action.updated_at,
                    action.id,
                ),
            )

    def deploy(self, action: Action) -> None:
        """The draft becomes what runs: a new version number."""
        action.deployed_code, action.deployed_secrets = action.code, dict(action.secrets)
        action.deployed_number += 1
        action.deployed_at = time.time()
        with self.db.transaction() as db:
            db.execute(
                "UPDATE actions SET deployed_code = ?, deployed_secrets = ?, deployed_number = ?,"
                " deployed_at = ? WHERE id = ?",
                (
                    action.deployed_code,
                    json.dumps(action.deployed_secrets),
                    action.deployed_number,
                    action.deployed_at,
                    action.id,
                ),
            )

    def delete(self, action_id: str) -> None:
        with self.db.transaction() as db:
            db.execute("DELETE FROM action_bindings WHERE action_id = ?", (action_id,))
            db.execute("DELETE FROM actions WHERE id = ?", (action_id,))

    def bindings(self) -> list[Binding]:
        rows = self.db.conn.execute(
            "SELECT b.id AS binding_id, b.display_name, b.created_at AS bound_at, a.*"
            " FROM action_bindings b JOIN actions a ON a.id = b.action_id"
            " WHERE b.trigger_id = ? ORDER BY b.position",
            (TRIGGER,),
        )
        return [
            Binding(r["binding_id"], self._action(r), r["display_name"], r["bound_at"])
            for r in rows
        ]

    def bound(self) -> list[Binding]:
        """The token endpoint's read, remembered until the next change (an empty list
        too, wrapped: most tenants bind nothing, and every token asks)."""
        return self.db.remembered(("bindings",), lambda: (self.bindings(),))[0]

    def bind(self, bound: list[tuple[str, str]]) -> None:
        """The trigger's bindings become `bound` (action id, display name), in order."""
        now = time.time()
        old = {b.action.id: b for b in self.bindings()}
        with self.db.transaction() as db:
            db.execute("DELETE FROM action_bindings WHERE trigger_id = ?", (TRIGGER,))
            for position, (action_id, display_name) in enumerate(bound):
                kept = old.get(action_id)
                db.execute(
                    "INSERT INTO action_bindings"
                    " (id, trigger_id, position, action_id, display_name, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        kept.id if kept else str(uuid.uuid4()),
                        TRIGGER,
                        position,
                        action_id,
                        display_name,
                        kept.created_at if kept else now,
                    ),
                )
