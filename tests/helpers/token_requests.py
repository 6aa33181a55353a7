"""Token requests built along every axis a refusal can come from: the method, the secret,
each claim of an assertion (private_key_jwt's, client_secret_jwt's), the API, the scope.
One axis is broken at a time (or none), so a test knows which rule it broke; the
server's answer says which rule it applied."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, replace
from urllib.parse import quote_plus

import jwt
from hypothesis import strategies as st

from m2m_tui.oauth.token_request import JWT_BEARER, TokenOutcome, TokenRequest
from oauth_primitives.rules.closed_sets import AuthMethod
from oauth_primitives.token_refusals import Refusal

# Each broken axis, and the refusal the bundled authority's rule book gives it.
BROKEN = {
    "none": None,
    "secret": Refusal.BAD_CLIENT_CREDENTIALS,
    "method": Refusal.METHOD_NOT_REGISTERED,
    "audience": Refusal.UNKNOWN_AUDIENCE,
    "scope": Refusal.SCOPE_NOT_GRANTED,
    "no_grant": Refusal.NO_CLIENT_GRANT,
    "aud": Refusal.ASSERTION_AUDIENCE,
    "exp_past": Refusal.ASSERTION_EXPIRED,
    "exp_far": Refusal.ASSERTION_TOO_LONG,
    "iat_future": Refusal.ASSERTION_IAT_FUTURE,
    "sub": Refusal.ASSERTION_SUBJECT,
    "jti": Refusal.ASSERTION_JTI,
    "kid": Refusal.ASSERTION_KID_UNKNOWN,
    "alg": Refusal.ASSERTION_ALG,
    "key": Refusal.ASSERTION_SIGNATURE,
    "replay": Refusal.ASSERTION_REPLAYED,  # the same request, sent a second time
}
# No "iss" axis: an iss naming another client is another client's assertion (the
# authority finds the client by iss), refused for its key, never for its iss.
ASSERTION_AXES = (
    "aud",
    "exp_past",
    "exp_far",
    "iat_future",
    "sub",
    "jti",
    "kid",
    "alg",
    "key",
    "replay",
)


# client_secret_jwt's: the same claims; "alg" signs with a key instead of the secret,
# "key" with another secret. No "kid": no kid names a secret, so none is held against it.
HMAC_AXES = tuple(axis for axis in ASSERTION_AXES if axis != "kid")


@dataclass(frozen=True)
class Case:
    method: AuthMethod
    broken: str
    aud_choice: str  # "token_endpoint" or "issuer": both are taken (RFC 7523, rfc7523bis)
    odd_secret: bool  # a secret form-encoding changes (+ % :), for Basic


def cases(key_methods: bool = True, hmac: bool = False) -> st.SearchStrategy[Case]:
    """The cases; `hmac`: client_secret_jwt's too (the Clients must name its client)."""
    secret_axes = ("none", "secret", "method", "audience", "scope", "no_grant")
    by_secret = st.builds(
        Case,
        st.sampled_from([AuthMethod.CLIENT_SECRET_POST, AuthMethod.CLIENT_SECRET_BASIC]),
        st.sampled_from(secret_axes),
        st.just("token_endpoint"),
        st.booleans(),
    )
    if not key_methods:
        return by_secret
    by_key = st.builds(
        Case,
        st.just(AuthMethod.PRIVATE_KEY_JWT),
        st.sampled_from(("none", "audience", "scope", *ASSERTION_AXES)),
        st.sampled_from(("token_endpoint", "issuer")),
        st.just(False),
    )
    if not hmac:
        return st.one_of(by_secret, by_key)
    by_hmac = st.builds(
        Case,
        st.just(AuthMethod.CLIENT_SECRET_JWT),
        st.sampled_from(("none", "audience", "scope", *HMAC_AXES)),
        st.sampled_from(("token_endpoint", "issuer")),
        st.just(False),
    )
    return st.one_of(by_secret, by_key, by_hmac)


@dataclass(frozen=True)
class Clients:
    """The clients a case is built for, on one server."""

    issuer: str
    token_url: str
    secret_client: tuple[str, str]  # (id, secret), granted the API's first scope
    key_client: str  # private_key_jwt, its key below, granted the same
    key_pem: bytes
    key_kid: str | None
    api: str
    granted: str  # a scope the clients hold
    not_granted: str  # a scope the API offers and the clients do not hold
    ungranted_api: str | None = None  # an API the clients have no grant for
    hmac_client: tuple[str, str] | None = None  # (id, secret): client_secret_jwt, granted


def build(case: Case, c: Clients) -> TokenRequest:
    form = {"grant_type": "client_credentials", "audience": c.api, "scope": c.granted}
    if case.broken == "audience":
        form["audience"] = "urn:no-such-api"
    if case.broken == "scope":
        form["scope"] = f"{c.granted} {c.not_granted}"
    if case.broken == "no_grant":
        form["audience"] = c.ungranted_api
        form.pop("scope")
    headers = {"Accept": "application/json"}
    if case.method is AuthMethod.CLIENT_SECRET_JWT and c.hmac_client:
        form |= {
            "client_id": c.hmac_client[0],
            "client_assertion_type": JWT_BEARER,
            "client_assertion": _assertion(case, c, c.hmac_client),
        }
        return TokenRequest(c.token_url, form, headers, c.hmac_client[0], False, case.method)
    if case.method is AuthMethod.PRIVATE_KEY_JWT:
        form |= {
            "client_id": c.key_client,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": _assertion(case, c),
        }
        return TokenRequest(c.token_url, form, headers, c.key_client, False, case.method)
    client_id, secret = c.secret_client
    if case.broken == "secret":
        secret = secret + ("+x%:" if case.odd_secret else "-wrong")
    if case.broken == "method":
        # A secret from a client registered for private_key_jwt.
        client_id = c.key_client
    if case.method is AuthMethod.CLIENT_SECRET_BASIC:
        pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        form |= {"client_id": client_id, "client_secret": secret}
    return TokenRequest(c.token_url, form, headers, client_id, False, case.method)


def _assertion(case: Case, c: Clients, hmac: tuple[str, str] | None = None) -> str:
    """The case's assertion: signed with the key client's key, or (`hmac`: that client's
    id and secret) HS256 with the secret, each with the case's one flaw."""
    now = int(time.time())
    aud = c.issuer if case.aud_choice == "issuer" else c.token_url
    client_id = hmac[0] if hmac else c.key_client
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": "https://elsewhere.example/token" if case.broken == "aud" else aud,
        "iat": now + 600 if case.broken == "iat_future" else now,
        "exp": now + {"exp_past": -120, "exp_far": 3600}.get(case.broken, 60),
        "jti": "" if case.broken == "jti" else str(uuid.uuid4()),
    }
    if case.broken == "sub":
        claims["sub"] = "someone-else"
    if hmac and case.broken != "alg":
        secret = hmac[1] + ("-not-it" if case.broken == "key" else "")
        return jwt.encode(claims, secret.encode(), algorithm="HS256")
    if hmac:  # signed with a key, where the client's secret must sign
        return jwt.encode(claims, c.key_pem, algorithm="RS256")
    headers = {"kid": c.key_kid} if c.key_kid else {}
    if case.broken == "kid":
        headers = {"kid": "no-such-kid"}
    if case.broken == "alg":
        secret = "a-shared-secret-of-enough-length-000"
        return jwt.encode(claims, secret, algorithm="HS256", headers=headers)
    key = c.key_pem
    if case.broken == "key":
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key = other.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    return jwt.encode(claims, key, algorithm="RS256", headers=headers)


def without_code(outcome: TokenOutcome) -> TokenOutcome:
    """The same answer as a provider that sends no rule code would give it."""
    body = {k: v for k, v in (outcome.response or {}).items() if k not in ("rule", "action")}
    return replace(outcome, response=body)
