"""A profile: one `[profiles.NAME]` table of config.toml, as the session reads it.
(`file.py` reads the file and checks each field; `profiles.py` picks one and finds its
secret.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from oauth_primitives.rules.closed_sets import Alg, AuthMethod

# `bundled`: true, the bundled servers on plain HTTP; "https", the same over TLS
# (`m2m-tui serve --tls both`); false, the profile names its own issuer.
Bundled = bool | Literal["https"]


@dataclass(frozen=True)
class Profile:
    """Where to get a token and which API to call with it: one `[profiles.NAME]` table."""

    name: str
    issuer: str
    client_id: str
    audience: str | None = None
    token_endpoint: str | None = None
    # RFC 7662 / RFC 7009 endpoints, where discovery does not name them.
    introspection_endpoint: str | None = None
    revocation_endpoint: str | None = None
    client_secret: str | None = None
    client_secret_env: str | None = None
    client_secret_prompt: bool = False
    auth_method: str = AuthMethod.CLIENT_SECRET_POST
    private_key_file: str | None = None
    # The assertion's aud (private_key_jwt, client_secret_jwt): the token endpoint's URL,
    # as RFC 7523 lets a server take, or the issuer identifier, which
    # draft-ietf-oauth-rfc7523bis asks for.
    assertion_audience: str = "token_endpoint"
    # Mutual TLS (RFC 8705): the client certificate presented to the authorization server
    # (tls_client_auth, self_signed_tls_client_auth) and to the API (bound tokens).
    client_certificate: str | None = None
    client_key: str | None = None
    # A CA this profile's servers use, trusted beside the system's (a local CA, as
    # `serve --tls` makes), where SSL_CERT_FILE would replace the system's altogether.
    ca_file: str | None = None
    resource: str | None = None
    scope: str | None = None
    # The bundled server: issuer and api_base_url follow [server] (its host and ports),
    # so moving the server is one setting, not six; "https" when it runs with --tls.
    bundled: Bundled = False
    # Which bundled API api_base_url follows: "api" (World Mappers, [server] api_port) or
    # "routes" (the Routes API, routes_port), which World Mappers calls downstream (#49).
    bundled_api: str = "api"
    # Auth0's Organizations for M2M: the organization (id or name) a token is for.
    organization: str | None = None
    provider: str = "auth0"
    api_base_url: str | None = None
    timeout: float = 10.0  # seconds for any one request (token, discovery, JWKS, API)
    # RFC 9449: sender-constrained tokens. The key is dpop_key_file, else one generated
    # once for this profile into the state directory.
    dpop: bool = False
    dpop_alg: str = Alg.ES256
    dpop_key_file: str | None = None


SECRET_METHODS = tuple(m for m in AuthMethod if m.by_secret)
TLS_METHODS = tuple(m for m in AuthMethod if m.by_certificate)
AUTH_METHODS = tuple(AuthMethod)
ASSERTION_AUDIENCES = ("token_endpoint", "issuer")
