"""The local tenant, kept in SQLite (WAL, one transaction per change) in the state directory."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import string
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from oauth_primitives.private_files import touch_private_file

from .keys import CURRENT, NEXT, PREVIOUS, REVOKED, SigningKey, generate_signing_key
from .models import Client, ClientGrant, Credential, ResourceServer, Scope
from .organizations import OrganizationStore
from .tables import SCHEMA, migrate

ALNUM = string.ascii_letters + string.digits


class StoreError(Exception):
    """The database cannot be opened or used; the message names the file."""


def hash_secret(secret: str) -> str:
    # Secrets are random and high-entropy, so a fast hash is right (no password stretching).
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, secret_hash: str | None) -> bool:
    return secret_hash is not None and hmac.compare_digest(hash_secret(secret), secret_hash)


def new_secret() -> str:
    return secrets.token_urlsafe(48)


def new_id(prefix: str, length: int = 16) -> str:
    return prefix + "".join(secrets.choice(ALNUM) for _ in range(length))


class Tenant(OrganizationStore):
    """Reads and changes of the tenant. Every change is one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._reads: dict[tuple, object] = {}
        self._lock = _take_writer_lock(path)
        try:
            touch_private_file(path)
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._configure()
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            # FULL: an edit the Management API acknowledged survives even an OS crash.
            # Edits are rare and the token endpoint only reads, so the fsync is cheap.
            self.db.execute("PRAGMA synchronous = FULL")
            self.db.executescript(SCHEMA)
            migrate(self.db)
            check = self.db.execute("PRAGMA quick_check").fetchone()[0]
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
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA busy_timeout = 2000")

    @classmethod
    def read_only(cls, path: Path) -> Tenant:
        """A reader that needs no lock, so a backup can be taken while `serve` runs."""
        if not path.exists():
            raise StoreError(f"no tenant database at {path}: nothing to export")
        tenant = cls.__new__(cls)
        tenant.path = path
        tenant._reads = {}
        tenant._lock = None
        try:
            tenant.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            tenant._configure()
            tenant.db.execute("SELECT count(*) FROM clients").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(_describe(path, exc)) from None
        return tenant

    def close(self) -> None:
        self.db.close()
        if self._lock is not None:
            self._lock.close()  # closing the file releases the lock

    # --- backup and restore ---------------------------------------------------
    TABLES = (
        "meta",
        "resource_servers",
        "clients",
        "client_grants",
        "signing_keys",
        "revoked_tokens",
        "organizations",
        "organization_client_grants",
    )
    MAX_REVOKED = 100_000  # revoked access tokens remembered at once (each until its exp)

    def dump(self) -> dict[str, list[dict]]:
        """Every row of every kept table (not the short-lived assertion ids)."""
        return {
            table: [dict(r) for r in self.db.execute(f"SELECT * FROM {table} ORDER BY rowid")]
            for table in self.TABLES
        }

    def restore(self, rows: dict[str, list[dict]]) -> None:
        """Replace the tables present in `rows`, all in one transaction: a restore that
        fails half-way (a bad row, a full disk) leaves the tenant as it was."""
        columns = {
            table: {r["name"] for r in self.db.execute(f"PRAGMA table_info({table})")}
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
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        finally:
            self._reads.clear()  # every change invalidates what the token endpoint remembers
        self.db.execute("COMMIT")

    def _remembered(self, key: tuple, load):
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

    # --- meta -------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # --- resource servers ---------------------------------------------------
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
        )

    def resource_servers(self) -> list[ResourceServer]:
        rows = self.db.execute("SELECT * FROM resource_servers ORDER BY is_system DESC, rowid")
        return [self._rs(r) for r in rows]

    def resource_server(self, id_or_identifier: str) -> ResourceServer | None:
        return self._remembered(
            ("rs", id_or_identifier), lambda: self._load_resource_server(id_or_identifier)
        )

    def _load_resource_server(self, id_or_identifier: str) -> ResourceServer | None:
        row = self.db.execute(
            "SELECT * FROM resource_servers WHERE id = ? OR identifier = ?",
            (id_or_identifier, id_or_identifier),
        ).fetchone()
        return self._rs(row) if row else None

    def save_resource_server(self, rs: ResourceServer) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO resource_servers (id, name, identifier, scopes, "
                "token_lifetime, signing_alg, token_dialect, is_system, proof_of_possession) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rs.id,
                    rs.name,
                    rs.identifier,
                    json.dumps([s.to_api() for s in rs.scopes]),
                    rs.token_lifetime,
                    rs.signing_alg,
                    rs.token_dialect,
                    int(rs.is_system),
                    json.dumps(rs.proof_of_possession) if rs.proof_of_possession else None,
                ),
            )

    def rename_audience(self, old: str, new: str) -> None:
        """The tenant's address changed: move its system API and the grants on it."""
        with self.transaction() as db:
            db.execute(
                "UPDATE resource_servers SET identifier = ? WHERE identifier = ?", (new, old)
            )
            db.execute("UPDATE client_grants SET audience = ? WHERE audience = ?", (new, old))

    # --- clients ------------------------------------------------------------
    def _client(self, row: sqlite3.Row) -> Client:
        return Client(
            client_id=row["client_id"],
            name=row["name"],
            description=row["description"],
            secret_hash=row["secret_hash"],
            token_endpoint_auth_method=row["token_endpoint_auth_method"],
            credentials=[Credential(**c) for c in json.loads(row["credentials"])],
        )

    def clients(self) -> list[Client]:
        return [self._client(r) for r in self.db.execute("SELECT * FROM clients ORDER BY rowid")]

    def client(self, client_id: str) -> Client | None:
        return self._remembered(("client", client_id), lambda: self._load_client(client_id))

    def _load_client(self, client_id: str) -> Client | None:
        row = self.db.execute("SELECT * FROM clients WHERE client_id = ?", (client_id,)).fetchone()
        return self._client(row) if row else None

    def save_client(self, client: Client) -> None:
        creds = [
            {"id": c.id, "pem": c.pem, "alg": c.alg, "name": c.name} for c in client.credentials
        ]
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO clients VALUES (?, ?, ?, ?, ?, ?)",
                (
                    client.client_id,
                    client.name,
                    client.description,
                    client.secret_hash,
                    client.token_endpoint_auth_method,
                    json.dumps(creds),
                ),
            )

    def delete_client(self, client_id: str) -> bool:
        with self.transaction() as db:
            db.execute(
                "DELETE FROM organization_client_grants WHERE grant_id IN"
                " (SELECT id FROM client_grants WHERE client_id = ?)",
                (client_id,),
            )
            db.execute("DELETE FROM client_grants WHERE client_id = ?", (client_id,))
            return db.execute("DELETE FROM clients WHERE client_id = ?", (client_id,)).rowcount > 0

    # --- client grants --------------------------------------------------------
    def _grant(self, row: sqlite3.Row) -> ClientGrant:
        return ClientGrant(
            id=row["id"],
            client_id=row["client_id"],
            audience=row["audience"],
            scope=json.loads(row["scope"]),
            organization_usage=row["organization_usage"],
            allow_any_organization=bool(row["allow_any_organization"]),
        )

    def client_grants(
        self, client_id: str | None = None, audience: str | None = None
    ) -> list[ClientGrant]:
        rows = self.db.execute(
            "SELECT * FROM client_grants WHERE (?1 IS NULL OR client_id = ?1)"
            " AND (?2 IS NULL OR audience = ?2) ORDER BY rowid",
            (client_id, audience),
        )
        return [self._grant(r) for r in rows]

    def client_grant(self, grant_id: str) -> ClientGrant | None:
        row = self.db.execute("SELECT * FROM client_grants WHERE id = ?", (grant_id,)).fetchone()
        return self._grant(row) if row else None

    def grant_for(self, client_id: str, audience: str) -> ClientGrant | None:
        found = self._remembered(
            ("grant", client_id, audience), lambda: self.client_grants(client_id, audience)
        )
        return found[0] if found else None

    def create_client_grant(
        self,
        client_id: str,
        audience: str,
        scope: list[str],
        organization_usage: str = "deny",
        allow_any_organization: bool = False,
    ) -> ClientGrant:
        """Raises sqlite3.IntegrityError when the client already has a grant for the audience."""
        grant = ClientGrant(
            new_id("cgr_"), client_id, audience, scope, organization_usage, allow_any_organization
        )
        with self.transaction() as db:
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

    def update_client_grant_scope(self, grant_id: str, scope: list[str]) -> ClientGrant | None:
        with self.transaction() as db:
            db.execute(
                "UPDATE client_grants SET scope = ? WHERE id = ?", (json.dumps(scope), grant_id)
            )
        return self.client_grant(grant_id)

    def delete_client_grant(self, grant_id: str) -> bool:
        with self.transaction() as db:
            db.execute("DELETE FROM organization_client_grants WHERE grant_id = ?", (grant_id,))
            return db.execute("DELETE FROM client_grants WHERE id = ?", (grant_id,)).rowcount > 0

    # --- signing keys ---------------------------------------------------------
    def _key(self, row: sqlite3.Row) -> SigningKey:
        return SigningKey(**{k: row[k] for k in row.keys()})

    def signing_keys(self) -> list[SigningKey]:
        rows = self.db.execute("SELECT * FROM signing_keys ORDER BY created_at")
        return [self._key(r) for r in rows]

    def ensure_signing_keys(self, subject: str) -> None:
        """First start: a current key that signs and a next key already published."""
        statuses = {k.status for k in self.signing_keys()}
        for status in (CURRENT, NEXT):
            if status not in statuses:
                self._insert_key(generate_signing_key(status, subject))

    def _insert_key(self, key: SigningKey) -> None:
        with self.transaction() as db:
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

    def rotate_signing_key(self, subject: str) -> SigningKey:
        """next → current, current → previous, and a fresh next. Returns the new current."""
        fresh = generate_signing_key(NEXT, subject)  # slow part outside the transaction
        now = time.time()
        with self.transaction() as db:
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
        return next(k for k in self.signing_keys() if k.status == CURRENT)

    def revoke_signing_key(self, kid: str) -> SigningKey:
        with self.transaction() as db:
            db.execute(
                "UPDATE signing_keys SET status = ?, revoked_at = ? WHERE kid = ?",
                (REVOKED, time.time(), kid),
            )
        return next(k for k in self.signing_keys() if k.kid == kid)

    # --- private_key_jwt replay protection (RFC 7523 §3, item 7) -------------
    def revoke_token(self, jti: str, exp: float) -> bool:
        """Remember `jti` as revoked until `exp` (RFC 7009); tokens past their exp are
        refused anyway, so they are forgotten. False when the memory is full."""
        now = time.time()
        with self.transaction() as db:
            db.execute("DELETE FROM revoked_tokens WHERE exp < ?", (now,))
            (count,) = db.execute("SELECT COUNT(*) FROM revoked_tokens").fetchone()
            if count >= self.MAX_REVOKED:
                return False
            db.execute("INSERT OR REPLACE INTO revoked_tokens VALUES (?, ?)", (jti, exp))
        return True

    def is_revoked(self, jti: str) -> bool:
        row = self.db.execute("SELECT exp FROM revoked_tokens WHERE jti = ?", (jti,)).fetchone()
        return row is not None

    def use_assertion_id(self, jti: str, exp: float) -> bool:
        """Record `jti`; False when it was already used and has not yet expired."""
        now = time.time()
        with self.transaction() as db:
            db.execute("DELETE FROM used_assertions WHERE exp < ?", (now,))
            try:
                db.execute("INSERT INTO used_assertions VALUES (?, ?)", (jti, exp))
            except sqlite3.IntegrityError:
                return False
        return True


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
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"the tenant database {path} is locked by another process ({text})"
    if "not a database" in text or "malformed" in text:
        return f"the tenant database {path} is corrupt ({text}); move it aside to start afresh"
    return f"the tenant database {path} cannot be used: {text}"
