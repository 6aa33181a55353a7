"""Access-token validation, as strict as Auth0's `express-oauth2-jwt-bearer`.

The order matters: cheap structural checks first, then the algorithm allow-list
*before* any key lookup, then the signature with a key from the issuer's JWKS only,
then the claims. Error descriptions never repeat token content, and contain no
double quotes or backslashes, so they fit inside `WWW-Authenticate` (RFC 6750 §3).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field

from oauth_primitives.rules.access_token import (
    Policy,
    claim_findings,
    expired,
    header_findings,
    scopes_of,
)
from oauth_primitives.rules.findings import Code, Finding
from oauth_primitives.rules.jws import parse
from oauth_primitives.rules.keys import ALGORITHMS, key_finding, signature_valid

from ..settings import ApiSettings
from .jwks_cache import JwksCache, JwksUnavailable

VERIFIED_CACHE_SIZE = 10_000


class InvalidToken(Exception):
    """RFC 6750 `invalid_token`: the rule book's finding, and its description. `transient`
    marks refusals that a later JWKS or moment could reverse (an unknown kid, keys that
    could not be fetched, a token not valid yet); those are not remembered."""

    def __init__(self, finding: Finding | None, description: str = "", transient=None) -> None:
        super().__init__(description or (finding.describe() if finding else ""))
        self.finding = finding
        self.transient = finding.transient if transient is None else transient

    @property
    def code(self) -> str | None:
        return self.finding.code.value if self.finding else None


@dataclass(frozen=True)
class Principal:
    subject: str
    scopes: frozenset[str]
    claims: dict = field(repr=False)
    kid: str = ""


def policy_of(settings: ApiSettings, issuer: str) -> Policy:
    """What this API expects of a token, as the rule book reads it."""
    return Policy(
        issuer,
        settings.audience,
        tuple(settings.algorithms),
        settings.leeway,
        settings.strict_rfc9068,
        settings.require_organization or bool(settings.organizations),
        tuple(settings.organizations),
        settings.dpop == "required",
        settings.mtls == "required",
        settings.claim_requirements,
    )


class TokenValidator:
    def __init__(self, settings: ApiSettings, issuer: str, jwks: JwksCache) -> None:
        bad = [a for a in settings.algorithms if a not in ALGORITHMS]
        if bad:
            raise ValueError(f"algorithms must be asymmetric; not allowed: {', '.join(bad)}")
        self.issuer = issuer
        self.policy = policy_of(settings, issuer)
        self.jwks = jwks
        self.clock = time.time  # what exp, nbf and iat are judged by: a test moves it
        # token → (principal, kid, exp): a token verified once is not verified again while
        # its exp holds and its key is still in the issuer's JWKS. Bounded, LRU.
        self._verified: OrderedDict[str, tuple[Principal, str, float]] = OrderedDict()
        self._refused: OrderedDict[str, InvalidToken] = OrderedDict()  # token → why, for repeats

    async def validate(self, token: str) -> Principal:
        hit = self._verified.get(token)
        if hit is not None:
            principal, kid, exp = hit
            # The key lookup also keeps the JWKS fresh, so a revoked key ends the entry.
            alive = not expired(exp, self.clock(), self.policy.leeway)  # the exp rule's own
            if alive and await self.jwks.key(kid) is not None:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
        refused = self._refused.get(token)
        if refused is not None:
            raise refused
        try:
            principal = await self._validate(token)
        except InvalidToken as exc:
            # A bad signature or a bad claim stays bad; an unknown key may appear later.
            if not exc.transient:
                self._refused[token] = exc
                if len(self._refused) > VERIFIED_CACHE_SIZE:
                    self._refused.popitem(last=False)
            raise
        self._verified[token] = (principal, principal.kid, float(principal.claims["exp"]))
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return principal

    async def _validate(self, token: str) -> Principal:
        """The rule book's rules, one by one, stopping at the first finding: the key is
        looked up only once the header has passed, and the claims read only once the
        signature has."""
        parsed = parse(token)
        if isinstance(parsed, Finding):
            raise InvalidToken(parsed)
        for finding in header_findings(parsed.header, self.policy):
            raise InvalidToken(finding)
        kid, alg = parsed.header["kid"], parsed.header["alg"]
        try:
            key = await self.jwks.key(kid)
        except JwksUnavailable as exc:
            raise InvalidToken(
                None, f"the API could not get the issuer's signing keys ({exc})", transient=True
            ) from None
        if key is None:
            raise InvalidToken(Finding(Code.KID_UNKNOWN, {"kid": kid}))
        unfit = key_finding(alg, key.jwk)
        if unfit is not None:
            raise InvalidToken(unfit)
        # The key parsed once, when the JWKS came, not for every token.
        if not signature_valid(alg, key.key.key, parsed.signing_input, parsed.signature):
            raise InvalidToken(Finding(Code.SIGNATURE_INVALID, {"kid": kid, "alg": alg}))
        claims = parsed.payload
        for finding in claim_findings(claims, self.policy, self.clock()):
            raise InvalidToken(finding)
        subject = claims.get("sub")
        return Principal(
            subject=subject if isinstance(subject, str) else "",
            scopes=scopes_of(claims),
            claims=claims,
            kid=kid,
        )
