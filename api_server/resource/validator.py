"""Access-token validation, as strict as Auth0's `express-oauth2-jwt-bearer`.

The order matters: cheap structural checks first, then the algorithm allow-list
*before* any key lookup, then the signature with a key from the issuer's JWKS only,
then the claims. Error descriptions never repeat token content, and contain no
double quotes or backslashes, so they fit inside `WWW-Authenticate` (RFC 6750 §3).
"""

from __future__ import annotations

import binascii
import json
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import jwt

from oauth_primitives import base64url

from ..settings import ApiSettings
from .jwks_cache import JwksCache, JwksUnavailable

MAX_TOKEN = 8 * 1024
B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
ASYMMETRIC = {
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
}
KTY_FOR = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
RFC9068_CLAIMS = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")
VERIFIED_CACHE_SIZE = 10_000


class InvalidToken(Exception):
    """RFC 6750 `invalid_token`: the description says what is wrong. `transient` marks
    refusals that a later JWKS could reverse (an unknown kid, unreachable keys)."""

    def __init__(self, description: str, transient: bool = False) -> None:
        super().__init__(description)
        self.transient = transient


@dataclass(frozen=True)
class Principal:
    subject: str
    scopes: frozenset[str]
    claims: dict = field(repr=False)
    kid: str = ""


def _b64decode(part: str) -> bytes:
    # Strict base64url (RFC 7515 §2): the URL-safe alphabet, no padding, no stray bytes.
    if not B64URL.match(part) or len(part) % 4 == 1:
        raise ValueError("not base64url")
    return base64url.decode(part)


def _json_object(part: str, what: str) -> dict:
    try:
        value = json.loads(_b64decode(part).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidToken(f"the token {what} is not base64url-encoded UTF-8 JSON") from None
    if not isinstance(value, dict):
        raise InvalidToken(f"the token {what} is not a JSON object")
    return value


def _number(claims: dict, name: str, required: bool) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise InvalidToken(f"the token has no {name} claim")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken(f"the {name} claim must be a number (NumericDate)")
    return float(value)


def scopes_of(claims: dict) -> frozenset[str]:
    """Scopes from a space-separated `scope` string; anything else grants nothing."""
    scope = claims.get("scope")
    return frozenset(scope.split(" ")) - {""} if isinstance(scope, str) else frozenset()


class TokenValidator:
    def __init__(self, settings: ApiSettings, issuer: str, jwks: JwksCache) -> None:
        bad = [a for a in settings.algorithms if a not in ASYMMETRIC]
        if bad:
            raise ValueError(f"algorithms must be asymmetric; not allowed: {', '.join(bad)}")
        self.issuer = issuer
        self.audience = settings.audience
        self.algorithms = frozenset(settings.algorithms)
        self.leeway = settings.leeway
        self.strict = settings.strict_rfc9068
        self.jwks = jwks
        self.clock = time.time  # what exp, nbf and iat are judged by: a test moves it
        # token → (principal, kid, exp): a token verified once is not verified again while
        # its exp holds and its key is still in the issuer's JWKS. Bounded, LRU.
        self._verified: OrderedDict[str, tuple[Principal, str, float]] = OrderedDict()
        self._refused: OrderedDict[str, str] = OrderedDict()  # token → why, for repeats

    async def validate(self, token: str) -> Principal:
        hit = self._verified.get(token)
        if hit is not None:
            principal, kid, exp = hit
            # The key lookup also keeps the JWKS fresh, so a revoked key ends the entry.
            if exp > self.clock() - self.leeway and await self.jwks.key(kid) is not None:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
        refused = self._refused.get(token)
        if refused is not None:
            raise InvalidToken(refused)
        try:
            principal = await self._validate(token)
        except InvalidToken as exc:
            # A bad signature or a bad claim stays bad; an unknown key may appear later.
            if not getattr(exc, "transient", False):
                self._refused[token] = str(exc)
                if len(self._refused) > VERIFIED_CACHE_SIZE:
                    self._refused.popitem(last=False)
            raise
        self._verified[token] = (principal, principal.kid, float(principal.claims["exp"]))
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return principal

    async def _validate(self, token: str) -> Principal:
        if len(token) > MAX_TOKEN:
            raise InvalidToken("the token is larger than 8 KiB")
        parts = token.split(".")
        if len(parts) != 3:
            raise InvalidToken(
                f"the token has {len(parts)} part(s); a signed JWT (JWS compact) has 3"
            )
        header = _json_object(parts[0], "header")
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise InvalidToken(
                "the token's alg is not allowed; allowed: " + ", ".join(sorted(self.algorithms))
            )
        if "crit" in header:
            # RFC 7515 §4.1.11: we understand no extension, so any crit is a refusal.
            raise InvalidToken("the token header has crit parameters this API does not understand")
        if self.strict and str(header.get("typ", "")).lower() not in (
            "at+jwt",
            "application/at+jwt",
        ):
            raise InvalidToken("the token's typ must be at+jwt (RFC 9068)")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("the token header has no kid")
        try:
            key = await self.jwks.key(kid)
        except JwksUnavailable as exc:
            raise InvalidToken(
                f"the API could not get the issuer's signing keys ({exc})", transient=True
            ) from None
        if key is None:
            raise InvalidToken(
                "no key in the issuer's JWKS matches the token's kid", transient=True
            )
        if key.key.key_type != KTY_FOR.get(alg[:2]) or (key.alg and key.alg != alg):
            raise InvalidToken("the token's alg does not fit the key its kid selects")
        try:
            signature = _b64decode(parts[2])
        except (ValueError, binascii.Error):
            raise InvalidToken("the token signature is not base64url") from None
        signing_input = f"{parts[0]}.{parts[1]}".encode()
        algorithm = jwt.get_algorithm_by_name(alg)
        try:
            valid = algorithm.verify(signing_input, key.key.key, signature)
        except Exception:  # malformed signatures (wrong length, r = s = 0) are just invalid
            valid = False
        if not valid:
            raise InvalidToken("the token signature is invalid")
        claims = _json_object(parts[1], "payload")
        self._check_claims(claims)
        subject = claims.get("sub")
        return Principal(
            subject=subject if isinstance(subject, str) else "",
            scopes=scopes_of(claims),
            claims=claims,
            kid=kid,
        )

    def _check_claims(self, claims: dict) -> None:
        if claims.get("iss") != self.issuer:
            iss = claims.get("iss")
            if isinstance(iss, str) and iss.rstrip("/") == self.issuer.rstrip("/"):
                raise InvalidToken(
                    f"unexpected iss claim value: the issuer must be exactly {self.issuer} "
                    "(the trailing slash differs)"
                )
            raise InvalidToken(f"unexpected iss claim value: expected {self.issuer}")
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if self.audience not in audiences:
            raise InvalidToken(f"unexpected aud claim value: expected {self.audience}")
        now = self.clock()
        exp = _number(claims, "exp", required=True)
        if exp <= now - self.leeway:
            raise InvalidToken("the token has expired (exp is in the past)")
        nbf = _number(claims, "nbf", required=False)
        if nbf is not None and nbf > now + self.leeway:
            raise InvalidToken("the token is not valid yet (nbf is in the future)", transient=True)
        iat = _number(claims, "iat", required=self.strict)
        if iat is not None and iat > now + self.leeway:
            raise InvalidToken(
                "the token was issued in the future (iat); check the clocks", transient=True
            )
        if self.strict:
            missing = [c for c in RFC9068_CLAIMS if c not in claims]
            if missing:
                raise InvalidToken("the token lacks RFC 9068 claims: " + ", ".join(missing))
