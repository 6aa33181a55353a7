"""The tenant's records, shaped as Auth0's Management API returns them."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    signing_alg: str = "RS256"
    token_dialect: str = "access_token"
    is_system: bool = False
    # Auth0's {"mechanism": "dpop", "required": bool}, or None (RFC 9449 not asked for).
    proof_of_possession: dict | None = None

    @property
    def dpop_required(self) -> bool:
        pop = self.proof_of_possession or {}
        return pop.get("mechanism") == "dpop" and pop.get("required") is True

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
            "is_system": self.is_system,
            "proof_of_possession": self.proof_of_possession,
            "allow_offline_access": False,
            "skip_consent_for_verifiable_first_party_clients": True,
        }


@dataclass
class Credential:
    """A public key a client proves possession of with private_key_jwt (RFC 7523)."""

    id: str
    pem: str
    alg: str = "RS256"
    name: str = ""

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "credential_type": "public_key",
            "alg": self.alg,
            "name": self.name,
        }


@dataclass
class Client:
    client_id: str
    name: str
    secret_hash: str | None = None
    token_endpoint_auth_method: str = "client_secret_post"
    description: str = ""
    credentials: list[Credential] = field(default_factory=list)

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
        if self.credentials:
            body["client_authentication_methods"] = {
                "private_key_jwt": {"credentials": [c.to_api() for c in self.credentials]}
            }
        return body


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

    def to_api(self) -> dict:
        return {"id": self.id, "name": self.name, "display_name": self.display_name or self.name}
