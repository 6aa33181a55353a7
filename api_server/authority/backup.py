"""Backing up and restoring the local tenant as one JSON file.

Nothing in a backup works as a secret in clear: client secrets were only ever
stored as hashes, and signing keys are kept only when the operator gives a
passphrase, as PKCS#8 encrypted with it (cryptography's best available scheme).
Without one, a backup still restores every API, client and grant; the state it
is restored into keeps (or makes) its own signing keys.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from oauth_primitives.private_files import write_private_file

from .store.database import Database
from .tenant import Tenant

FORMAT = "m2m-tui-tenant"
VERSION = 1


class BackupError(ValueError):
    """A backup that cannot be written or read, worded for the operator."""


def export_tenant(db_path: Path, target: Path, passphrase: bytes | None) -> dict[str, int]:
    """Writes the tenant at `db_path` to `target` (0600). Returns what went in, by table."""
    tenant = Tenant.read_only(db_path)
    try:
        rows = tenant.db.dump()
    finally:
        tenant.close()
    keys = rows.pop("signing_keys")
    if passphrase:
        rows["signing_keys"] = [_sealed(k, passphrase) for k in keys]
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "signing_keys_encrypted": bool(passphrase),
        "tables": rows,
    }
    write_private_file(target, json.dumps(document, indent=2) + "\n")
    return {table: len(records) for table, records in rows.items()}


def import_tenant(
    db_path: Path, source: Path, passphrase: bytes | None
) -> tuple[dict[str, int], Path | None]:
    """Replaces the tenant at `db_path` with the backup at `source`, in one transaction.
    Refused (by the tenant's lock) while a server runs on that state directory.
    Returns what came in, by table, and where the replaced tenant was kept."""
    rows = read_backup(source, passphrase)
    tenant = Tenant(db_path)
    try:
        kept = _keep_a_copy(tenant) if tenant.clients.all() else None
        try:
            tenant.db.restore(rows)
        except Exception as exc:  # a bad row or constraint: the transaction rolled back
            if kept is not None:
                kept.unlink()  # the tenant is unchanged: the copy would only confuse
            if isinstance(exc, ValueError):
                raise BackupError(f"{source}: {exc}") from None
            raise BackupError(
                f"{source}: cannot restore ({exc}); the tenant is unchanged"
            ) from None
    finally:
        tenant.close()
    return {table: len(records) for table, records in rows.items()}, kept


def _keep_a_copy(tenant: Tenant) -> Path:
    """The tenant as it was, beside it: an import must never be the only copy of an edit."""
    import sqlite3

    from oauth_primitives.private_files import touch_private_file

    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    copy = tenant.path.with_name(f"{tenant.path.name}.before-import-{stamp}")
    touch_private_file(copy)
    target = sqlite3.connect(copy)
    try:
        tenant.db.backup(target)
    finally:
        target.close()
    return copy


def read_backup(source: Path, passphrase: bytes | None) -> dict[str, list[dict]]:
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BackupError(f"cannot read {source}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{source} is not a tenant backup (not JSON)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f"{source} is not an m2m-tui tenant backup")
    if document.get("version") != VERSION:
        raise BackupError(f"{source}: backup version {document.get('version')!r} is not known")
    tables = document.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(v, list) and all(isinstance(r, dict) for r in v) for v in tables.values()
    ):
        raise BackupError(f"{source}: tables must map names to lists of rows")
    unknown = set(tables) - set(Database.TABLES)
    if unknown:
        raise BackupError(f"{source}: unknown table(s) {', '.join(sorted(unknown))}")
    if "signing_keys" in tables:
        if not passphrase:
            raise BackupError(
                f"{source} holds signing keys encrypted with a passphrase: "
                "name the variable that holds it with --passphrase-env"
            )
        tables["signing_keys"] = [_opened(k, passphrase, source) for k in tables["signing_keys"]]
    return tables


def _sealed(key: dict, passphrase: bytes) -> dict:
    private = serialization.load_pem_private_key(key["private_pem"], password=None)
    sealed = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    return {
        **key,
        "private_pem": sealed.decode(),
        "cert_der": base64.b64encode(key["cert_der"]).decode(),
    }


def _opened(key: dict, passphrase: bytes, source: Path) -> dict:
    try:
        private = serialization.load_pem_private_key(
            str(key["private_pem"]).encode(), password=passphrase
        )
        cert = base64.b64decode(key["cert_der"], validate=True)
    except (KeyError, ValueError, TypeError):
        raise BackupError(
            f"{source}: cannot decrypt signing key {key.get('kid')!r}: wrong passphrase?"
        ) from None
    plain = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return {**key, "private_pem": plain, "cert_der": cert}
