"""The authorization server's state: its tenant, its address and its signing keys."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from actions_runtime.runner import TIME_LIMIT

from ..dpop import Nonces, ReplayMemory
from ..settings import ServerSettings
from .issuer_keys import IssuerKeys
from .keys import CURRENT, REVOKED, SigningKey
from .management_scopes import management_audience
from .quota_counter import QuotaCounter
from .seed import prepare_tenant
from .tenant import Tenant
from .throttle import Throttle


class Authority:
    def __init__(self, tenant: Tenant, settings: ServerSettings, issuer: str) -> None:
        self.tenant = tenant
        self.settings = settings
        self.issuer = issuer
        self.token_endpoint = issuer + "oauth/token"
        # What a token's iat and exp are counted from: a test moves it, never waits.
        self.clock = time.time
        self.management_audience = management_audience(issuer)
        limits = settings.throttle
        self.throttle = Throttle(
            limits.max_failures,
            limits.window_seconds,
            limits.address_max_failures,
            limits.address_min_clients,
        )
        # Auth0's fine-grained M2M token quotas: tokens issued per client and organization
        # in the current UTC hour and day (token_quotas.py decides, by `clock`).
        self.quotas = QuotaCounter()
        # RFC 9449: proofs seen at the token endpoint, and nonces when they are demanded.
        self.dpop_replay = ReplayMemory()
        self.dpop_nonces = Nonces() if settings.dpop_nonce else None
        # Two: one per core of a small machine. Threads start on first use.
        self.signer = ThreadPoolExecutor(max_workers=2, thread_name_prefix="token-signer")
        # Mutual TLS (RFC 8705): the trust store of our TLS listeners (set by `serve`),
        # and the edge addresses whose client-certificate headers are believed.
        self.client_trust = None
        self.trusted_edges: frozenset[str] = frozenset()
        # Credentials-exchange Actions: the time a flow's Actions have in all (the
        # runtime's 5 s, under the client's timeout; a test shortens it).
        self.action_time_limit = TIME_LIMIT
        # Trusted issuers' fetched JWKS (token exchange), each for its max-age.
        self.issuer_keys = IssuerKeys(lambda: self.clock())
        prepare_tenant(tenant, settings, issuer)
        self.reload_keys()

    def registered_certificates(self) -> list[str]:
        """Every certificate registered for self_signed_tls_client_auth (its PEM)."""
        return [
            c.pem
            for client in self.tenant.clients.all()
            for c in client.credentials
            if c.credential_type == "x509_cert"
        ]

    def trust_client_certificate(self, pem: str) -> None:
        """A certificate just registered: our TLS listeners accept it from now on."""
        if self.client_trust is not None:
            self.client_trust.add(pem)

    def close(self) -> None:
        self.signer.shutdown(wait=True)
        self.tenant.close()

    def reload_keys(self) -> None:
        """Keys are few and read on every token: keep them parsed in memory."""
        self.keys: list[SigningKey] = self.tenant.signing_keys.all()
        self.current_key = next(k for k in self.keys if k.status == CURRENT)
        self.jwks = {"keys": [k.jwk() for k in self.keys if k.status != REVOKED]}

    def rotate_key(self) -> SigningKey:
        key = self.tenant.signing_keys.rotate(subject=self.issuer)
        self.reload_keys()
        return key

    def revoke_key(self, kid: str) -> SigningKey:
        key = self.tenant.signing_keys.revoke(kid)
        self.reload_keys()
        return key
