"""Checking a token's signature against its issuer's JWKS, found by discovery."""

from __future__ import annotations

from dataclasses import dataclass

from m2m_tui.lazy import lazy_module
from m2m_tui.tokens.decoded import DecodedToken

httpx = lazy_module("httpx")

ALLOWED = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


@dataclass
class SignatureCheck:
    ok: bool
    kid: str | None
    alg: str | None
    reason: str


async def fetch_jwks(issuer: str, client: httpx.AsyncClient) -> dict:
    """The issuer's JWKS via RFC 8414 / OpenID discovery. Raises ValueError with a reason."""
    return (await fetch_jwks_with_age(issuer, client))[0]


async def fetch_jwks_with_age(issuer: str, client: httpx.AsyncClient) -> tuple[dict, float | None]:
    """The JWKS and how long it may be reused (its Cache-Control max-age, if any)."""
    from m2m_tui.oauth.discovery import discover
    from m2m_tui.transcript import describe_transport_error, read_timeout
    from oauth_primitives.http_cache import max_age

    jwks_uri = await discover(issuer, client, "jwks_uri")
    try:
        response = await client.get(jwks_uri)
    except httpx.HTTPError as exc:
        reason = describe_transport_error(exc, jwks_uri, read_timeout(client))[1]
        raise ValueError(f"cannot read the JWKS: {reason}") from None
    if response.status_code != 200:
        raise ValueError(f"cannot read the JWKS at {jwks_uri}: HTTP {response.status_code}")
    try:
        document = response.json()
    except ValueError:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        raise ValueError(f"{jwks_uri} answered {kind} that is not JSON, not a JWKS") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError(f"{jwks_uri} is not a JWKS (no keys list)")
    return document, max_age(response.headers.get("cache-control"))


def check_signature(decoded: DecodedToken, jwks: dict) -> SignatureCheck:
    import jwt

    alg = decoded.header.get("alg")
    kid = decoded.header.get("kid")
    if not isinstance(alg, str) or alg not in ALLOWED:
        return SignatureCheck(
            False,
            kid,
            alg,
            f"algorithm {alg!r} is not allowed (asymmetric algorithms only; never none)",
        )
    if not isinstance(kid, str):
        return SignatureCheck(False, None, alg, "the token has no kid, so no key can be chosen")
    entry = next(
        (k for k in jwks.get("keys", []) if isinstance(k, dict) and k.get("kid") == kid), None
    )
    if entry is None:
        return SignatureCheck(
            False,
            kid,
            alg,
            "kid not in the issuer's JWKS: the key was rotated "
            "out or revoked, or the token is from another "
            "issuer or tenant",
        )
    try:
        key = jwt.PyJWK(entry)
        valid = jwt.get_algorithm_by_name(alg).verify(
            decoded.signing_input, key.key, decoded.signature
        )
    except Exception as exc:  # an unusable key or a malformed signature is a failed check
        return SignatureCheck(False, kid, alg, f"cannot verify: {exc}")
    if not valid:
        return SignatureCheck(
            False, kid, alg, "bad signature: the token was altered or signed by another key"
        )
    return SignatureCheck(True, kid, alg, f"verified with key {kid} ({alg})")
