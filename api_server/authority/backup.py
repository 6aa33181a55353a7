"""Backing up and restoring the local tenant as one JSON file.

Nothing in a backup works as a secret in clear: client secrets are kept as hashes,
and what the authority must be able to use is kept only when the operator gives a
passphrase: signing keys as PKCS#8 encrypted with it (cryptography's best available
scheme), the secrets of client_secret_jwt clients sealed under a key derived from it
(sealed_secrets.py: scrypt, AES-256-GCM), then sealed again under the key of the state
they are restored into. Without one, a backup still restores every API, client and
grant; the state it is restored into keeps (or makes) its own signing keys, and its
client_secret_jwt clients need their secrets rotated.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from oauth_primitives import base64url
from oauth_primitives.private_files import write_private_file
from oauth_primitives.rules.closed_sets import AuthMethod

from .sealed_secrets import SecretBox, new_salt
from .store.database import Database
from .tenant import Tenant

FORMAT = "m2m-tui-tenant"
VERSION = 1
SECRETS_SALT = "client_secrets_salt"  # the scrypt salt of the secrets sealed in a backup


class BackupError(ValueError):
    """A backup that cannot be written or read, worded for the operator."""


def export_tenant(db_path: Path, target: Path, passphrase: bytes | None) -> dict[str, int]:
    """Writes the tenant at `db_path` to `target` (0600). Returns what went in, by table."""
    tenant = Tenant.read_only(db_path)
    try:
        rows = tenant.db.dump()
        secrets = _held_secrets(tenant, rows["clients"])
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
    kept, left_out = _export_secrets(document, secrets, passphrase)
    write_private_file(target, json.dumps(document, indent=2) + "\n")
    counts = {table: len(records) for table, records in rows.items()}
    return {**counts, "client_secrets": kept, "client_secrets_left_out": left_out}


def _held_secrets(tenant: Tenant, clients: list[dict]) -> dict[str, str | None]:
    """Each client's sealed secret, opened with the state's key (None where it will not
    open: the key file is gone, or is another's)."""
    sealed = {r["client_id"]: r.get("secret_sealed") for r in clients if r.get("secret_sealed")}
    if not sealed:
        return {}
    try:
        box = tenant.sealing_key.box()
    except (OSError, ValueError):
        box = None
    return {cid: box.open(cid, value) if box else None for cid, value in sealed.items()}


def _export_secrets(
    document: dict, secrets: dict[str, str | None], passphrase: bytes | None
) -> tuple[int, int]:
    """The clients' sealed secrets, sealed again under the passphrase (the state's key
    stays with the state); without a passphrase, left out. Returns how many went in
    and how many were left out."""
    held = {cid: secret for cid, secret in secrets.items() if secret is not None}
    box = None
    if passphrase and held:
        salt = new_salt()
        document[SECRETS_SALT] = base64url.encode(salt)
        box = SecretBox.for_passphrase(passphrase, salt)
    for row in document["tables"]["clients"]:
        secret = held.get(row["client_id"])
        row["secret_sealed"] = box.seal(row["client_id"], secret) if box and secret else None
    return (len(held), len(secrets) - len(held)) if box else (0, len(secrets))


def import_tenant(
    db_path: Path, source: Path, passphrase: bytes | None
) -> tuple[dict[str, int], Path | None]:
    """Replaces the tenant at `db_path` with the backup at `source`, in one transaction.
    Refused (by the tenant's lock) while a server runs on that state directory.
    Returns what came in, by table (and `client_secrets`: how many client_secret_jwt
    secrets, `client_secrets_missing`: how many such clients came without one), and
    where the replaced tenant was kept."""
    rows, secrets = read_backup(source, passphrase)
    tenant = Tenant(db_path)
    try:
        if secrets:  # sealed again, under this state's own key
            try:
                box = tenant.sealing_key.box(create=True)
            except ValueError as exc:
                raise BackupError(str(exc)) from None
            for row in rows["clients"]:
                if row["client_id"] in secrets:
                    row["secret_sealed"] = box.seal(row["client_id"], secrets[row["client_id"]])
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
    missing = [
        r
        for r in rows.get("clients", [])
        if r.get("token_endpoint_auth_method") == AuthMethod.CLIENT_SECRET_JWT
        and r.get("client_id") not in secrets
    ]
    counts = {table: len(records) for table, records in rows.items()}
    return {**counts, "client_secrets": len(secrets), "client_secrets_missing": len(missing)}, kept


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


def read_backup(
    source: Path, passphrase: bytes | None
) -> tuple[dict[str, list[dict]], dict[str, str]]:
    """The backup's tables (signing keys decrypted), and the client secrets it holds
    sealed, opened, by client id (their rows' sealed values cleared: the state they go
    into seals them under its own key)."""
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
    return tables, _import_secrets(document, tables, passphrase, source)


def _import_secrets(
    document: dict, tables: dict, passphrase: bytes | None, source: Path
) -> dict[str, str]:
    sealed = [r for r in tables.get("clients", []) if r.get("secret_sealed")]
    if not sealed:
        return {}
    if not passphrase:
        raise BackupError(
            f"{source} holds client secrets encrypted with a passphrase: "
            "name the variable that holds it with --passphrase-env"
        )
    try:
        salt = base64url.decode(str(document[SECRETS_SALT]))
    except (KeyError, ValueError):
        raise BackupError(f"{source}: client secrets without their {SECRETS_SALT}") from None
    box = SecretBox.for_passphrase(passphrase, salt)
    opened = {}
    for row in sealed:
        secret = box.open(str(row.get("client_id")), str(row["secret_sealed"]))
        if secret is None:
            raise BackupError(
                f"{source}: cannot decrypt the secret of client {row.get('client_id')!r}: "
                "wrong passphrase?"
            )
        opened[row["client_id"]] = secret
        row["secret_sealed"] = None
    return opened


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
