"""The local tenant: one database (store/database.py) and one store per resource it
holds, each through the database's public methods alone. A change that spans several
resources (a client deleted with its grants, the tenant's address moved) is made here,
in one transaction."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from oauth_primitives.rules.closed_sets import AuthMethod

from .models import Client
from .sealed_secrets import KEY_FILE, StateKey
from .store.actions import Actions
from .store.clients import Clients
from .store.database import Database, StoreError
from .store.exchange_profiles import ExchangeProfiles
from .store.grants import ClientGrants, new_id
from .store.organizations import Organizations
from .store.resource_servers import ResourceServers
from .store.revocations import Revocations
from .store.signing_keys import SigningKeys
from .store.tenant_settings import TenantSettings

__all__ = ["StoreError", "Tenant", "hash_secret", "new_id", "new_secret", "secret_matches"]


def hash_secret(secret: str) -> str:
    # Secrets are random and high-entropy, so a fast hash is right (no password stretching).
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, secret_hash: str | None) -> bool:
    return secret_hash is not None and hmac.compare_digest(hash_secret(secret), secret_hash)


def new_secret() -> str:
    return secrets.token_urlsafe(48)


class Tenant:
    """Reads and changes of the tenant, by resource. Every change is one transaction."""

    def __init__(self, path: Path, db: Database | None = None) -> None:
        self.path = path
        self.db = db or Database(path)
        self.resource_servers = ResourceServers(self.db)
        self.clients = Clients(self.db)
        self.grants = ClientGrants(self.db)
        self.organizations = Organizations(self.db)
        self.signing_keys = SigningKeys(self.db)
        self.revocations = Revocations(self.db)
        self.actions = Actions(self.db)
        self.exchange_profiles = ExchangeProfiles(self.db)  # token exchange policy (RFC 8693)
        self.settings = TenantSettings(self.db)  # the Management API's tenants/settings
        self.sealing_key = StateKey(path.with_name(KEY_FILE))

    @classmethod
    def read_only(cls, path: Path) -> Tenant:
        """A reader that needs no lock, so a backup can be taken while `serve` runs."""
        return cls(path, Database.read_only(path))

    def close(self) -> None:
        self.db.close()

    def set_secret(self, client: Client, secret: str) -> None:
        """Give `client` (not yet saved) this secret: its hash always, and for a
        client_secret_jwt client the secret sealed as well, which its assertions need
        (sealed_secrets.py); any other client keeps no sealed copy."""
        client.secret_hash = hash_secret(secret)
        client.secret_sealed = None
        if client.token_endpoint_auth_method == AuthMethod.CLIENT_SECRET_JWT:
            box = self.sealing_key.box(create=True)
            client.secret_sealed = box.seal(client.client_id, secret)  # type: ignore[union-attr]

    def readable_secret(self, client: Client) -> str | None:
        """The client's secret itself, when the tenant keeps it sealed; else None (only
        its hash is kept, or the key file is missing or is not ours)."""
        if not client.secret_sealed:
            return None
        try:
            box = self.sealing_key.box()
        except (OSError, ValueError):
            return None
        return box.open(client.client_id, client.secret_sealed) if box else None

    def rename_audience(self, old: str, new: str) -> None:
        """The tenant's address changed: move its system API and the grants on it."""
        with self.db.transaction() as db:
            db.execute(
                "UPDATE resource_servers SET identifier = ? WHERE identifier = ?", (new, old)
            )
            db.execute("UPDATE client_grants SET audience = ? WHERE audience = ?", (new, old))

    def delete_client(self, client_id: str) -> bool:
        with self.db.transaction() as db:
            db.execute(
                "DELETE FROM organization_client_grants WHERE grant_id IN"
                " (SELECT id FROM client_grants WHERE client_id = ?)",
                (client_id,),
            )
            db.execute("DELETE FROM client_grants WHERE client_id = ?", (client_id,))
            return db.execute("DELETE FROM clients WHERE client_id = ?", (client_id,)).rowcount > 0

    def delete_grant(self, grant_id: str) -> bool:
        with self.db.transaction() as db:
            db.execute("DELETE FROM organization_client_grants WHERE grant_id = ?", (grant_id,))
            return db.execute("DELETE FROM client_grants WHERE id = ?", (grant_id,)).rowcount > 0
