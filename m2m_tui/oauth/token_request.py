"""Requesting a client_credentials token (RFC 6749 §4.4), and explaining what went wrong."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from m2m_tui.config.profile import TLS_METHODS, Profile
from m2m_tui.lazy import lazy_module
from m2m_tui.oauth.dpop import DpopKey, NonceBook, decoded_proof
from m2m_tui.oauth.sent_request import SentRequest, sent_request
from m2m_tui.oauth.token_hints import hint_for, opaque_hint, throttled_hint
from m2m_tui.oauth.token_quota import QuotaReport, quota_hint, read_quota
from m2m_tui.tokens.decoded import is_jwt
from m2m_tui.transcript import (
    Exchange,
    closed_without_answer,
    describe_transport_error,
    mask_fields,
    mask_headers,
)
from oauth_primitives.rules.closed_sets import Alg, AuthMethod, HmacAlg
from oauth_primitives.token_refusals import action_of, refusal_of

httpx = lazy_module("httpx")

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TIMEOUT = 10.0


UNTRUSTED_CERTIFICATE = (
    "The server ended the connection as soon as the TLS handshake was done: it does not "
    "trust this profile's client certificate. For self_signed_tls_client_auth, register "
    "the certificate for the client first (`m2m-tui certs register NAME CLIENT`); for "
    "tls_client_auth, use one issued by a CA the server trusts (`certs create --issued`)."
)


@dataclass
class TokenRequest:
    """Everything needed to ask for a token; exports itself to httpx and for display."""

    url: str
    form: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)
    client_id: str = ""  # for messages: with Basic auth it is not in the form
    presents_certificate: bool = False  # over mutual TLS, with the profile's certificate
    auth_method: AuthMethod | None = None  # the profile's: not every method shows in the request

    def with_proof(self, key: DpopKey, nonce: str | None) -> TokenRequest:
        """The same request with a fresh DPoP proof for it (RFC 9449 §5)."""
        proof = key.proof("POST", self.url, nonce=nonce)
        return replace(self, headers={**self.headers, "DPoP": proof})

    @classmethod
    def for_profile(
        cls, profile: Profile, secret: str | None, token_endpoint: str | None = None
    ) -> TokenRequest:
        url = token_endpoint or profile.token_endpoint or profile.issuer + "oauth/token"
        auth_form, auth_headers = client_authentication(profile, secret, url)
        form = {"grant_type": "client_credentials", **provider_params(profile), **auth_form}
        headers = {"Accept": "application/json", **auth_headers}
        return cls(
            url=url,
            form=form,
            headers=headers,
            client_id=profile.client_id,
            presents_certificate=bool(profile.client_certificate),
            auth_method=AuthMethod(profile.auth_method),
        )

    def sent(self) -> SentRequest:
        """What this request carries, decoded, never its secret (see sent_request)."""
        return sent_request(
            self.url, self.form, self.headers, self.auth_method, self.presents_certificate
        )

    def masked_exchange(self) -> Exchange:
        exchange = Exchange("POST", self.url, mask_headers(self.headers), mask_fields(self.form))
        if "DPoP" in self.headers:
            exchange.proof = decoded_proof(self.headers["DPoP"])
        return exchange


def client_authentication(
    profile: Profile, secret: str | None, audience: str
) -> tuple[dict[str, str], dict[str, str]]:
    """The profile's client authentication (RFC 6749 §2.3, RFC 7523 §2.2) as form fields
    and headers, for any endpoint that takes it: the token endpoint, introspection,
    revocation. `audience` is the assertion's aud (private_key_jwt, client_secret_jwt)."""
    if profile.auth_method == AuthMethod.CLIENT_SECRET_BASIC:
        import base64
        from urllib.parse import quote_plus

        # RFC 6749 §2.3.1: form-urlencode both parts before Basic encoding.
        pair = f"{quote_plus(profile.client_id)}:{quote_plus(secret or '')}"
        return {}, {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
    if profile.auth_method in (AuthMethod.PRIVATE_KEY_JWT, AuthMethod.CLIENT_SECRET_JWT):
        return {
            "client_id": profile.client_id,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": client_assertion(profile, audience, secret),
        }, {}
    if profile.auth_method in TLS_METHODS:  # RFC 8705 §2: the certificate authenticates
        return {"client_id": profile.client_id}, {}
    return {"client_id": profile.client_id, "client_secret": secret or ""}, {}


PROVIDERS = ("auth0", "generic", "okta", "keycloak", "entra")


def provider_params(profile: Profile) -> dict[str, str]:
    """How each kind of provider is told which API the token is for."""
    params: dict[str, str] = {}
    provider = profile.provider
    if provider == "auth0" and profile.audience:
        params["audience"] = profile.audience  # Auth0's own parameter
    if profile.organization:
        if provider != "auth0":
            raise ValueError(
                f"profile {profile.name}: `organization` is Auth0's Organizations for M2M; "
                f"a {provider} provider has no such parameter"
            )
        params["organization"] = profile.organization
    if provider == "entra":
        # Entra ID: the API is named by a scope, <resource>/.default.
        resource = profile.resource or profile.audience
        scope = profile.scope or (f"{resource.rstrip('/')}/.default" if resource else None)
        if not scope:
            raise ValueError(f"profile {profile.name}: Entra ID needs `resource` or `scope`")
        params["scope"] = scope
        return params
    if provider == "okta" and not profile.scope:
        raise ValueError(
            f"profile {profile.name}: Okta custom authorization servers require "
            "`scope` (client_credentials tokens need at least one custom scope)"
        )
    if profile.resource:
        params["resource"] = profile.resource  # RFC 8707
    if profile.scope:
        params["scope"] = profile.scope
    if provider in ("generic", "keycloak") and profile.audience and not profile.resource:
        params["audience"] = profile.audience  # harmless where ignored; some servers use it
    return params


async def resolve_token_endpoint(profile: Profile, client: httpx.AsyncClient) -> str:
    """The profile's override; for mutual TLS, the mTLS alias discovery names (RFC 8705
    §5), when it names one; Auth0's fixed path; else RFC 8414 / OIDC discovery."""
    if profile.token_endpoint:
        return profile.token_endpoint
    if profile.auth_method in TLS_METHODS:
        from m2m_tui.oauth.discovery import DiscoveryFailed, discover

        try:
            return await discover(profile.issuer, client, "mtls_endpoint_aliases.token_endpoint")
        except DiscoveryFailed:
            pass  # no alias: the token endpoint takes certificates itself
    if profile.provider == "auth0":
        return profile.issuer + "oauth/token"
    from m2m_tui.oauth.discovery import discover

    try:
        return await discover(profile.issuer, client, "token_endpoint")
    except ValueError as exc:
        raise ValueError(f"{exc}; set token_endpoint in the profile") from None


def client_assertion(profile: Profile, token_url: str, secret: str | None = None) -> str:
    """RFC 7523 §2.2: a short-lived JWT signed with the client's private key
    (private_key_jwt), or for client_secret_jwt an HS256 HMAC keyed with its secret
    (OpenID Connect Core §9: the secret's UTF-8 octets; HS256, which every server that
    takes client_secret_jwt must)."""
    import jwt

    now = int(time.time())
    claims = {
        "iss": profile.client_id,
        "sub": profile.client_id,
        "aud": profile.issuer if profile.assertion_audience == "issuer" else token_url,
        "iat": now,
        "exp": now + 120,
        "jti": str(uuid.uuid4()),
    }
    if profile.auth_method == AuthMethod.CLIENT_SECRET_JWT:
        if not secret:
            raise ValueError(f"profile {profile.name} uses client_secret_jwt but has no secret")
        import warnings

        with warnings.catch_warnings():
            # PyJWT warns of an HMAC key under RFC 7518 §3.2's 256 bits; the secret is the
            # server's to choose, and a server that takes it is the judge of its length.
            warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
            return jwt.encode(claims, secret.encode(), algorithm=HmacAlg.HS256)
    return _signed_with_key(profile, claims)


def _signed_with_key(profile: Profile, claims: dict) -> str:
    """private_key_jwt: the claims signed with the profile's private key."""
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    if not profile.private_key_file:
        raise ValueError(f"profile {profile.name} uses private_key_jwt but has no private_key_file")
    pem = Path(profile.private_key_file).expanduser().read_bytes()
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"{profile.private_key_file} is not an unencrypted PEM private key: {exc}"
        ) from None
    # The key's type, not its PEM label: PKCS#8 labels an EC key "PRIVATE KEY" as well.
    # Every one is in the authority's list (closed_sets.CLIENT_ASSERTION), ES512 too.
    alg = Alg.RS256
    if isinstance(key, ec.EllipticCurvePrivateKey):
        alg = {"secp384r1": Alg.ES384, "secp521r1": Alg.ES512}.get(key.curve.name, Alg.ES256)
    return jwt.encode(claims, key, algorithm=alg)


@dataclass
class TokenOutcome:
    exchange: Exchange | None
    access_token: str | None = None
    response: dict | None = None
    error: str | None = None
    description: str | None = None
    hint: str | None = None
    from_cache: bool = False
    obtained_at: float = field(default_factory=time.time)
    # Said beside the token: why a cached one was passed over, say.
    note: str | None = None
    # The answer's token quota headers (Auth0's fine-grained M2M token quotas), if any.
    quota: QuotaReport | None = None
    # What the request carried, decoded (no secret): what a refusal's diagnosis reads.
    sent: SentRequest | None = None

    @property
    def ok(self) -> bool:
        return self.access_token is not None


async def request_token(
    request: TokenRequest,
    client: httpx.AsyncClient | None = None,
    timeout: float = TIMEOUT,
    dpop: DpopKey | None = None,
    nonces: NonceBook | None = None,
) -> TokenOutcome:
    """Never raises for network or server trouble: the outcome says what happened.

    With a DPoP key, each attempt carries a fresh proof; a server that answers
    `use_dpop_nonce` (RFC 9449 §8) is asked once more, with the nonce it gave."""
    if dpop is None:
        return await _request_token(request, client, timeout)
    nonces = nonces if nonces is not None else NonceBook()
    async with _client(client, timeout) as shared:
        outcome = await _request_token(request.with_proof(dpop, nonces.get(request.url)), shared)
        if outcome.exchange is not None:
            nonces.remember(request.url, outcome.exchange.response_headers)
        if outcome.error == "use_dpop_nonce" and nonces.get(request.url):
            outcome = await _request_token(
                request.with_proof(dpop, nonces.get(request.url)), shared
            )
            if outcome.exchange is not None:
                nonces.remember(request.url, outcome.exchange.response_headers)
    return outcome


def _client(client: httpx.AsyncClient | None, timeout: float):
    """The caller's client (left open), or one of our own for the duration."""
    import contextlib

    if client is not None:
        return contextlib.nullcontext(client)
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False)


async def _request_token(
    request: TokenRequest, client: httpx.AsyncClient | None = None, timeout: float = TIMEOUT
) -> TokenOutcome:
    sent = request.sent()
    outcome = await _send(request, client, timeout)
    outcome.sent = sent
    return outcome


async def _send(
    request: TokenRequest, client: httpx.AsyncClient | None, timeout: float
) -> TokenOutcome:
    exchange = request.masked_exchange()
    own = client is None
    client = client or httpx.AsyncClient(timeout=timeout, follow_redirects=False)
    started = time.perf_counter()
    try:
        from m2m_tui import stale_connection  # httpx, loaded when first needed

        response = await stale_connection.send(
            client, "POST", request.url, data=request.form, headers=request.headers
        )
    except Exception as exc:  # transport failures of every kind become a message
        kind, text = describe_transport_error(exc, request.url, timeout)
        hint = {
            "network": "Is the authorization server running? (`m2m-tui serve` for the local one)",
            "timeout": "The server is slow or stuck; try again, or check its health.",
            "tls": "Trust the server's CA with SSL_CERT_FILE=/path/to/ca.pem "
            "(for `serve --tls`: <state-dir>/tls/ca.pem).",
        }.get(kind)
        if request.presents_certificate and closed_without_answer(exc):
            # RFC 8705 over TLS 1.3: a server that refuses the client certificate ends
            # the connection after the handshake, before any answer.
            kind, hint = "tls", UNTRUSTED_CERTIFICATE
        return TokenOutcome(exchange, error=kind, description=text, hint=hint)
    finally:
        exchange.duration_ms = (time.perf_counter() - started) * 1000
        if own:
            await client.aclose()
    exchange.status = response.status_code
    exchange.response_headers = dict(response.headers)
    exchange.response_text = response.text
    body = exchange.json()
    quota = read_quota(response.headers, request.client_id, request.form.get("organization"))
    if 300 <= response.status_code < 400:
        target = response.headers.get("location", "nowhere")
        return TokenOutcome(
            exchange,
            error="redirect",
            description=f"HTTP {response.status_code}: the token endpoint redirects to {target}",
            hint="Token endpoints answer directly; check the issuer or token_endpoint URL.",
        )
    if not isinstance(body, dict):
        kind = response.headers.get("content-type", "unknown content type").split(";")[0]
        return TokenOutcome(
            exchange,
            error="not_json",
            description=f"HTTP {response.status_code}: the server answered {kind}, not JSON",
            hint="Is the token endpoint right? An HTML page usually means a wrong URL or a proxy.",
        )
    if response.status_code != 200 or "access_token" not in body:
        server_failed = response.status_code >= 500
        error = str(
            body.get("error", "server_error" if server_failed else f"http_{response.status_code}")
        )
        hint = hint_for(
            error,
            refusal_of(body),
            response.status_code,
            request.form,
            request.headers,
            request.presents_certificate,
            action_of(body),
            request.auth_method,
        )
        if server_failed:
            # The server's own words and code when it gave them (the bundled authority
            # names a failing Action and where it failed; the hint, how to undo it), else
            # the status.
            said = body.get("error_description") or body.get("message")
            status = f"HTTP {response.status_code}"
            return TokenOutcome(
                exchange,
                response=body,
                error="server_error",
                description=f"{status}: {said}" if said else f"{status} from the server",
                hint=hint or "The authorization server failed; try again later.",
                quota=quota,
            )
        description = str(body.get("error_description") or body.get("message") or "")
        if response.status_code == 429:  # a token quota used up, else the throttle
            hint = quota_hint(quota, refusal_of(body)) or throttled_hint(
                request.client_id, response.headers.get("retry-after")
            )
        return TokenOutcome(
            exchange, response=body, error=error, description=description, hint=hint, quota=quota
        )
    token = body["access_token"]
    if not isinstance(token, str) or not token:
        return TokenOutcome(
            exchange,
            response=body,
            error="bad_response",
            description="access_token in the answer is not a string",
        )
    outcome = TokenOutcome(exchange, access_token=token, response=body, quota=quota)
    if not is_jwt(token):
        outcome.hint = opaque_hint(request.form)
    return outcome
