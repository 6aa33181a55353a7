"""The closed sets the rules speak of, each defined once: the clock leeway, the signing
algorithms each role accepts, the client authentication methods and Auth0's token
dialects. Every side (the authority, the API, the diagnosis, Preview, the client)
imports them from here, so that a list cannot be longer on one side than on another.

StrEnum members compare equal to their strings, so JSON, TOML and the Management API's
payloads keep the plain values while the code names the member."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

# Seconds a clock may be off before exp, nbf or iat count against a token, an assertion
# or a proof (RFC 7519 §4.1.4 allows "some small leeway"). The API's default; a server
# table may set its own, and then every check of that role uses the one set there.
LEEWAY: Final = 5.0


class Alg(StrEnum):
    """JWS algorithms (RFC 7518 §3.1, RFC 8037), asymmetric only: an API that takes
    HS256 can be fooled with its own public key (RFC 8725 §3.1)."""

    RS256 = "RS256"
    RS384 = "RS384"
    RS512 = "RS512"
    PS256 = "PS256"
    PS384 = "PS384"
    PS512 = "PS512"
    ES256 = "ES256"
    ES384 = "ES384"
    ES512 = "ES512"
    EDDSA = "EdDSA"


# Per role: what each side signs with, or takes from another.
ASYMMETRIC: Final = tuple(Alg)  # any the key checks know (keys.py fits key to alg)
ISSUER_SIGNS: Final = (Alg.RS256,)  # the bundled authority's tokens; an API's default
CLIENT_ASSERTION: Final = tuple(Alg)  # private_key_jwt (RFC 7523 §3): the client's key
DPOP_PROOF: Final = (Alg.ES256, Alg.ES384, Alg.RS256, Alg.PS256, Alg.EDDSA)  # RFC 9449


class AuthMethod(StrEnum):
    """How a client authenticates at the token endpoint (RFC 7591 §2's
    token_endpoint_auth_method values, and RFC 8705's two)."""

    CLIENT_SECRET_POST = "client_secret_post"
    CLIENT_SECRET_BASIC = "client_secret_basic"
    PRIVATE_KEY_JWT = "private_key_jwt"
    TLS_CLIENT_AUTH = "tls_client_auth"
    SELF_SIGNED_TLS_CLIENT_AUTH = "self_signed_tls_client_auth"

    @property
    def by_secret(self) -> bool:
        return self in (AuthMethod.CLIENT_SECRET_POST, AuthMethod.CLIENT_SECRET_BASIC)

    @property
    def by_certificate(self) -> bool:
        """RFC 8705 §2: the TLS handshake's client certificate is the credential."""
        return self in (AuthMethod.TLS_CLIENT_AUTH, AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH)

    @property
    def by_credential(self) -> bool:
        """A method whose credential the Management API registers on the client (a
        public key or a certificate), not a secret."""
        return not self.by_secret


class Dialect(StrEnum):
    """Auth0's token dialects (a resource server's `token_dialect`)."""

    ACCESS_TOKEN = "access_token"
    ACCESS_TOKEN_AUTHZ = "access_token_authz"
    RFC9068_PROFILE = "rfc9068_profile"
    RFC9068_PROFILE_AUTHZ = "rfc9068_profile_authz"

    @property
    def needs_rbac(self) -> bool:
        """The *_authz dialects add RBAC's `permissions` claim: Auth0 takes them only
        on an API with RBAC on (enforce_policies)."""
        return self.endswith("_authz")

    @property
    def rfc9068(self) -> bool:
        """typ at+jwt and client_id (RFC 9068 §2.2)."""
        return self.startswith("rfc9068")
