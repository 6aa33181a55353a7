"""The tenant database's tables, and the columns added to tenants made before them."""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS resource_servers (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, identifier TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL, token_lifetime INTEGER NOT NULL, signing_alg TEXT NOT NULL,
    token_dialect TEXT NOT NULL, is_system INTEGER NOT NULL DEFAULT 0,
    proof_of_possession TEXT, enforce_policies INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS clients (
    client_id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
    secret_hash TEXT, token_endpoint_auth_method TEXT NOT NULL, credentials TEXT NOT NULL,
    token_quota TEXT, secret_sealed TEXT);
CREATE TABLE IF NOT EXISTS client_grants (
    id TEXT PRIMARY KEY, client_id TEXT NOT NULL, audience TEXT NOT NULL, scope TEXT NOT NULL,
    organization_usage TEXT NOT NULL DEFAULT 'deny',
    allow_any_organization INTEGER NOT NULL DEFAULT 0,
    UNIQUE (client_id, audience));
CREATE TABLE IF NOT EXISTS signing_keys (
    kid TEXT PRIMARY KEY, private_pem BLOB NOT NULL, cert_der BLOB NOT NULL, status TEXT NOT NULL,
    created_at REAL NOT NULL, current_since REAL, current_until REAL, revoked_at REAL);
CREATE TABLE IF NOT EXISTS used_assertions (jti TEXT PRIMARY KEY, exp REAL NOT NULL);
CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY, exp REAL NOT NULL);
CREATE TABLE IF NOT EXISTS organizations (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL DEFAULT '',
    token_quota TEXT);
CREATE TABLE IF NOT EXISTS actions (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, code TEXT NOT NULL, runtime TEXT NOT NULL,
    secrets TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL,
    deployed_code TEXT, deployed_secrets TEXT, deployed_number INTEGER NOT NULL DEFAULT 0,
    deployed_at REAL);
CREATE TABLE IF NOT EXISTS action_bindings (
    id TEXT PRIMARY KEY, trigger_id TEXT NOT NULL, position INTEGER NOT NULL,
    action_id TEXT NOT NULL, display_name TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS organization_client_grants (
    organization_id TEXT NOT NULL, grant_id TEXT NOT NULL,
    PRIMARY KEY (organization_id, grant_id));
CREATE TABLE IF NOT EXISTS token_exchange_profiles (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, subject_token_type TEXT NOT NULL,
    type TEXT NOT NULL, action_id TEXT, client_ids TEXT NOT NULL, audiences TEXT NOT NULL,
    scope_map TEXT NOT NULL, trusted_issuers TEXT NOT NULL,
    created_at REAL NOT NULL, updated_at REAL NOT NULL);
"""

# Columns added since tenants were first created: CREATE IF NOT EXISTS keeps old tables.
ADDED_COLUMNS = {
    "resource_servers": {
        "proof_of_possession": "TEXT",
        "enforce_policies": "INTEGER NOT NULL DEFAULT 0",
    },
    "client_grants": {
        "organization_usage": "TEXT NOT NULL DEFAULT 'deny'",
        "allow_any_organization": "INTEGER NOT NULL DEFAULT 0",
    },
    # Auth0's token_quota, as JSON in its API shape; NULL: the tenant's default applies.
    # The secret sealed, for a client_secret_jwt client (sealed_secrets.py).
    "clients": {"token_quota": "TEXT", "secret_sealed": "TEXT"},
    "organizations": {"token_quota": "TEXT"},
}


def migrate(db: sqlite3.Connection) -> None:
    for table, columns in ADDED_COLUMNS.items():
        have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in have:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
