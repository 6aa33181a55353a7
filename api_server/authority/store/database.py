"""The tenant's SQLite database (WAL, one transaction per change) in the state
directory: the connection and its one-writer lock, transactions, the token endpoint's
memory of look-ups (cleared by every change), the meta table, backup and restore. The
stores of each resource (this package) work through its public methods only."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from oauth_primitives.private_files import touch_private_file

from ..tables import SCHEMA, migrate
from .conflicts import Unavailable


class StoreError(Exception):
    """The database cannot be opened or used; the message names the file."""


class Database:
    """The connection (`conn`), and every change in one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._reads: dict[tuple, object] = {}
        self._lock = _take_writer_lock(path)
        try:
            touch_private_file(path)
            self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._configure()
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            # FULL: an edit the Management API acknowledged survives even an OS crash.
            # Edits are rare and the token endpoint only reads, so the fsync is cheap.
            self.conn.execute("PRAGMA synchronous = FULL")
            self.conn.executescript(SCHEMA)
            migrate(self.conn)
            check = self.conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            self._lock.close()
            raise StoreError(_describe(path, exc)) from None
        except OSError as exc:
            self._lock.close()
            raise StoreError(f"cannot open the tenant database {path}: {exc}") from None
        if check != "ok" or mode != "wal":
            self.close()
            if check != "ok":
                raise StoreError(f"the tenant database {path} is corrupt ({check})")
            raise StoreError(f"the tenant database {path} could not switch to WAL mode")
        for suffix in ("-wal", "-shm"):
            sidecar = path.with_name(path.name + suffix)
            if sidecar.exists():
                sidecar.chmod(0o600)

    def _configure(self) -> None:
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA busy_timeout = 2000")

    @classmethod
    def read_only(cls, path: Path) -> Database:
        """A reader that needs no lock, so a backup can be taken while `serve` runs."""
        if not path.exists():
            raise StoreError(f"no tenant database at {path}: nothing to export")
        tenant = cls.__new__(cls)
        tenant.path = path
        tenant._reads = {}
        tenant._lock = None
        try:
            tenant.conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            tenant._configure()
            tenant.conn.execute("SELECT count(*) FROM clients").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(_describe(path, exc)) from None
        return tenant

    def close(self) -> None:
        self.conn.close()
        if self._lock is not None:
            self._lock.close()  # closing the file releases the lock

    TABLES = (
        "meta",
        "resource_servers",
        "clients",
        "client_grants",
        "signing_keys",
        "revoked_tokens",
        "organizations",
        "organization_client_grants",
        "actions",
        "action_bindings",
        "token_exchange_profiles",
    )

    def dump(self) -> dict[str, list[dict]]:
        """Every row of every kept table (not the short-lived assertion ids)."""
        return {
            table: [dict(r) for r in self.conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
            for table in self.TABLES
        }

    def restore(self, rows: dict[str, list[dict]]) -> None:
        """Replace the tables present in `rows`, all in one transaction: a restore that
        fails half-way (a bad row, a full disk) leaves the tenant as it was."""
        columns = {
            table: {r["name"] for r in self.conn.execute(f"PRAGMA table_info({table})")}
            for table in self.TABLES
        }
        for table, records in rows.items():
            for row in records:
                # Column names go into the SQL text: only the schema's own may pass.
                unknown = set(row) - columns.get(table, set())
                if unknown:
                    raise ValueError(f"{table}: unknown column(s) {', '.join(sorted(unknown))}")
        with self.transaction() as db:
            for table in self.TABLES:
                if table not in rows:
                    continue
                db.execute(f"DELETE FROM {table}")
                for row in rows[table]:
                    names = ", ".join(row)
                    marks = ", ".join("?" for _ in row)
                    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
                    db.execute(sql, list(row.values()))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One change, all or nothing. Raises Unavailable when the database cannot take
        it now (busy past busy_timeout, or out of disk)."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            finally:
                self._reads.clear()  # every change invalidates what the token endpoint remembers
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise Unavailable(str(exc)) from None

    def remembered(self, key: tuple, load):
        """The token endpoint's look-ups, kept in memory until the next change. This
        process is the tenant's only writer, so nothing can change behind it."""
        if key in self._reads:
            return self._reads[key]
        value = load()
        # Only what exists is remembered: made-up client ids must not grow this.
        if value is not None and value != []:
            if len(self._reads) >= 10_000:
                self._reads.clear()
            self._reads[key] = value
        return value

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def backup(self, target: sqlite3.Connection) -> None:
        self.conn.backup(target)


def _take_writer_lock(path: Path):
    """An exclusive lock beside the database, held while this Tenant is open.

    The token endpoint keeps look-ups in memory until its own next change, which
    is only right while it is the tenant's one writer: a second `serve` on the same
    state directory would make both serve stale grants, so it is refused instead.
    """
    import fcntl
    import os

    lock_path = path.with_name(path.name + ".lock")
    try:
        handle = open(lock_path, "a+")  # noqa: SIM115 - held open for the Tenant's lifetime
        os.chmod(lock_path, 0o600)
    except OSError as exc:
        raise StoreError(f"cannot open {lock_path}: {exc}") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise StoreError(
            f"the tenant database {path} is locked: {holder} is serving it. "
            "Stop that server, or pass another --state-dir."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"m2m-tui serve (pid {os.getpid()})")
    handle.flush()
    return handle


def _describe(path: Path, exc: sqlite3.DatabaseError) -> str:
    # SQLite's result code, not its message: the low byte is the primary code (extended
    # codes such as SQLITE_BUSY_SNAPSHOT share it).
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return f"the tenant database {path} is locked by another process ({exc})"
    if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
        return f"the tenant database {path} is corrupt ({exc}); move it aside to start afresh"
    return f"the tenant database {path} cannot be used: {exc}"
