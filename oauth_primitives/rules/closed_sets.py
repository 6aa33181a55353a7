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
    HS256 can be fooled with its own public key (RFC 8725 §3.1). The HMAC ones are
    `HmacAlg`, a set of their own, so that no role that takes keys can name one."""

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


class HmacAlg(StrEnum):
    """JWS's HMAC algorithms (RFC 7518 §3.2): keyed with a secret both sides hold, the
    client's secret for client_secret_jwt (OpenID Connect Core §9), and nothing else."""

    HS256 = "HS256"
    HS384 = "HS384"
    HS512 = "HS512"


# Per role: what each side signs with, or takes from another.
ASYMMETRIC: Final = tuple(Alg)  # any the key checks know (keys.py fits key to alg)
ISSUER_SIGNS: Final = (Alg.RS256,)  # the bundled authority's tokens; an API's default
CLIENT_ASSERTION: Final = tuple(Alg)  # private_key_jwt (RFC 7523 §3): the client's key
CLIENT_SECRET_ASSERTION: Final = tuple(HmacAlg)  # client_secret_jwt: the client's secret
DPOP_PROOF: Final = (Alg.ES256, Alg.ES384, Alg.RS256, Alg.PS256, Alg.EDDSA)  # RFC 9449


class AuthMethod(StrEnum):
    """How a client authenticates at the token endpoint (RFC 7591 §2's
    token_endpoint_auth_method values, OpenID Connect Core §9's client_secret_jwt, and
    RFC 8705's two)."""

    CLIENT_SECRET_POST = "client_secret_post"
    CLIENT_SECRET_BASIC = "client_secret_basic"
    CLIENT_SECRET_JWT = "client_secret_jwt"
    PRIVATE_KEY_JWT = "private_key_jwt"
    TLS_CLIENT_AUTH = "tls_client_auth"
    SELF_SIGNED_TLS_CLIENT_AUTH = "self_signed_tls_client_auth"

    @property
    def by_secret(self) -> bool:
        """The client's credential is its secret: sent as it is, or as the key of an
        assertion's HMAC (client_secret_jwt)."""
        return self.sends_secret or self is AuthMethod.CLIENT_SECRET_JWT

    @property
    def sends_secret(self) -> bool:
        """RFC 6749 §2.3.1: the secret itself travels, in the body or in Basic; a server
        that takes one takes the other."""
        return self in (AuthMethod.CLIENT_SECRET_POST, AuthMethod.CLIENT_SECRET_BASIC)

    @property
    def by_assertion(self) -> bool:
        """RFC 7523 §2.2: a JWT the client signs, sent as client_assertion."""
        return self in (AuthMethod.PRIVATE_KEY_JWT, AuthMethod.CLIENT_SECRET_JWT)

    @property
    def assertion_algs(self) -> tuple[str, ...]:
        """The algorithms an assertion of this method may be signed with: asymmetric for
        private_key_jwt, HMAC for client_secret_jwt, never the one for the other (RFC
        8725 §3.1: an HMAC keyed with a public key's PEM proves nothing)."""
        if self is AuthMethod.PRIVATE_KEY_JWT:
            return CLIENT_ASSERTION
        if self is AuthMethod.CLIENT_SECRET_JWT:
            return CLIENT_SECRET_ASSERTION
        return ()

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
