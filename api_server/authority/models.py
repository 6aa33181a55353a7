"""The tenant's records, shaped as Auth0's Management API returns them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from oauth_primitives.rules.closed_sets import Alg, AuthMethod, Dialect
from oauth_primitives.token_quota import Bucket


@dataclass(frozen=True)
class TokenQuota:
    """Auth0's `token_quota.client_credentials` (on a client, an organization, or the
    tenant's `default_token_quota`): at most `per_hour` and `per_day` tokens, refused
    beyond them only when `enforce` (Auth0's default), else counted and reported."""

    enforce: bool = True
    per_hour: int | None = None
    per_day: int | None = None

    @property
    def limits(self) -> dict[Bucket, int]:
        found = {Bucket.PER_HOUR: self.per_hour, Bucket.PER_DAY: self.per_day}
        return {bucket: n for bucket, n in found.items() if n is not None}

    def to_api(self) -> dict:
        """`{"client_credentials": {...}}`, as Auth0 shows it (and as it is stored)."""
        shown: dict = {"enforce": self.enforce}
        shown.update({str(bucket): n for bucket, n in self.limits.items()})
        return {"client_credentials": shown}

    @classmethod
    def from_api(cls, value: dict | None) -> TokenQuota | None:
        """From the stored (already checked) shape; None for none."""
        if not value:
            return None
        settings = value["client_credentials"]
        return cls(settings.get("enforce", True), settings.get("per_hour"), settings.get("per_day"))


@dataclass
class Scope:
    value: str
    description: str = ""

    def to_api(self) -> dict:
        return {"value": self.value, "description": self.description}


@dataclass
class ResourceServer:
    id: str
    name: str
    identifier: str
    scopes: list[Scope] = field(default_factory=list)
    token_lifetime: int = 86400
    signing_alg: str = Alg.RS256
    token_dialect: str = Dialect.ACCESS_TOKEN
    is_system: bool = False
    # Auth0's RBAC switch: with a *_authz dialect, tokens carry `permissions`.
    enforce_policies: bool = False
    # Auth0's {"mechanism": "dpop" | "mtls", "required": bool}, or None (no binding
    # asked for: RFC 9449's DPoP, or RFC 8705's certificate-bound tokens).
    proof_of_possession: dict | None = None

    @property
    def dpop_required(self) -> bool:
        pop = self.proof_of_possession or {}
        return pop.get("mechanism") == "dpop" and pop.get("required") is True

    @property
    def mtls_binding(self) -> bool:
        """Its tokens are bound to the client's certificate, when one is presented."""
        return (self.proof_of_possession or {}).get("mechanism") == "mtls"

    @property
    def mtls_required(self) -> bool:
        return self.mtls_binding and (self.proof_of_possession or {}).get("required") is True

    @property
    def scope_values(self) -> list[str]:
        return [s.value for s in self.scopes]

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "identifier": self.identifier,
            "scopes": [s.to_api() for s in self.scopes],
            "token_lifetime": self.token_lifetime,
            "signing_alg": self.signing_alg,
            "token_dialect": self.token_dialect,
            "enforce_policies": self.enforce_policies,
            "is_system": self.is_system,
            "proof_of_possession": self.proof_of_possession,
            "allow_offline_access": False,
            "skip_consent_for_verifiable_first_party_clients": True,
        }


# The client authentication methods a credential serves, and its types (Auth0's names).
CREDENTIAL_METHODS = tuple(m for m in AuthMethod if m.by_credential)
CREDENTIAL_TYPES = ("public_key", "x509_cert", "cert_subject_dn")


@dataclass
class Credential:
    """What a client proves possession of: a public key for private_key_jwt (RFC 7523),
    a certificate for self_signed_tls_client_auth, or the subject DN of certificates a
    trusted CA issues it for tls_client_auth (RFC 8705 §2). `method` is the list of
    `client_authentication_methods` it is in ("" until the client names it)."""

    id: str
    pem: str
    alg: str = Alg.RS256
    name: str = ""
    credential_type: str = "public_key"
    subject_dn: str = ""
    method: str = AuthMethod.PRIVATE_KEY_JWT
    # RFC 8705 §2.1.2's other names for tls_client_auth, instead of the subject DN: one
    # subjectAltName, as "dns:…", "uri:…", "ip:…" or "email:…".
    san: str = ""

    @property
    def thumbprint(self) -> str | None:
        """The certificate's x5t#S256, for an x509_cert credential."""
        if self.credential_type != "x509_cert":
            return None
        from oauth_primitives import x509

        return x509.thumbprint(x509.der_of(self.pem))

    def to_api(self) -> dict:
        body = {"id": self.id, "credential_type": self.credential_type, "name": self.name}
        if self.credential_type == "public_key":
            body["alg"] = self.alg
        elif self.credential_type == "x509_cert":
            body["thumbprint_sha256"] = self.thumbprint
        elif self.san:
            kind, _, value = self.san.partition(":")
            body[f"tls_client_auth_san_{kind}"] = value
        else:
            body["subject_dn"] = self.subject_dn
        return body


@dataclass
class Client:
    client_id: str
    name: str
    secret_hash: str | None = None
    token_endpoint_auth_method: str = AuthMethod.CLIENT_SECRET_POST
    description: str = ""
    credentials: list[Credential] = field(default_factory=list)
    token_quota: TokenQuota | None = None  # None: the tenant's default for clients, if any
    # The secret itself, sealed (sealed_secrets.py), for a client_secret_jwt client only:
    # its assertions are HMACs keyed with the secret, which the hash cannot check.
    secret_sealed: str | None = None

    def to_api(self) -> dict:
        body = {
            "client_id": self.client_id,
            "name": self.name,
            "description": self.description,
            "app_type": "non_interactive",
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "is_first_party": True,
        }
        methods: dict[str, dict] = {}
        for cred in self.credentials:
            if cred.method:
                listed = methods.setdefault(cred.method, {"credentials": []})["credentials"]
                listed.append(cred.to_api())
        if methods:
            body["client_authentication_methods"] = methods
        if self.token_quota is not None:
            body["token_quota"] = self.token_quota.to_api()
        return body

    def credentials_for(self, method: str) -> list[Credential]:
        return [c for c in self.credentials if c.method == method]


ORGANIZATION_USAGES = ("deny", "allow", "require")


@dataclass
class ClientGrant:
    id: str
    client_id: str
    audience: str
    scope: list[str] = field(default_factory=list)
    # Auth0's Organizations for M2M: whether a token request may (allow), must (require)
    # or must not (deny) name an organization, and whether any organization will do or
    # only those associated with this grant.
    organization_usage: str = "deny"
    allow_any_organization: bool = False

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "client_id": self.client_id,
            "audience": self.audience,
            "scope": list(self.scope),
            "organization_usage": self.organization_usage,
            "allow_any_organization": self.allow_any_organization,
        }


@dataclass
class Organization:
    id: str  # org_…
    name: str  # lowercase, as in a login URL
    display_name: str = ""
    token_quota: TokenQuota | None = None  # None: the tenant's default for organizations

    def to_api(self) -> dict:
        body = {"id": self.id, "name": self.name, "display_name": self.display_name or self.name}
        if self.token_quota is not None:
            body["token_quota"] = self.token_quota.to_api()
        return body


@dataclass
class TokenExchangeProfile:
    """Auth0's token exchange profile (`/api/v2/token-exchange-profiles`), with what
    m2m-tui's authority decides by it, as extensions Auth0 leaves to the bound Action:
    the clients that may exchange through it (none when empty), the target audiences,
    how target scopes map to the subject token's (`{target_scope: [subject scopes]}`),
    and the external issuers whose JWTs it takes as subject tokens (`{"issuer", "jwks"}`
    or `{"issuer", "jwks_uri"}`; this authority's own tokens are always taken)."""

    id: str  # tep_…
    name: str
    subject_token_type: str
    created_at: float
    updated_at: float
    action_id: str | None = None
    type: str = "custom_authentication"
    client_ids: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    scope_map: dict[str, list[str]] = field(default_factory=dict)
    trusted_issuers: list[dict] = field(default_factory=list)

    def to_api(self) -> dict:
        body = {
            "id": self.id,
            "name": self.name,
            "subject_token_type": self.subject_token_type,
            "type": self.type,
            "client_ids": list(self.client_ids),
            "audiences": list(self.audiences),
            "scope_map": {k: list(v) for k, v in self.scope_map.items()},
            "trusted_issuers": [dict(t) for t in self.trusted_issuers],
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
        }
        if self.action_id:
            body["action_id"] = self.action_id
        return body


def _iso(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).isoformat().replace("+00:00", "Z")
