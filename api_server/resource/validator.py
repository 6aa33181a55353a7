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

from oauth_primitives.rules.access_token import Policy, expired, scopes_of
from oauth_primitives.rules.closed_sets import ASYMMETRIC
from oauth_primitives.rules.findings import Finding
from oauth_primitives.rules.table import Presented, for_policy, rows, run

from ..settings import ApiSettings, TokenValidation
from .jwks_cache import JwksCache, JwksUnavailable

VERIFIED_CACHE_SIZE = 10_000
# The table's rows on the token itself, split where the key must be awaited.
HEADER = rows("form", "kid")
SIGNED = rows("key", "required claims")


class InvalidToken(Exception):
    """A refusal outside the rule book (keys that could not be fetched, an introspection
    endpoint that failed), or introspection's own words for one in it. `transient` marks
    refusals a later JWKS or moment could reverse; those are not remembered."""

    def __init__(self, finding: Finding | None, description: str = "", transient=None) -> None:
        super().__init__(description or (finding.describe() if finding else ""))
        self.finding = finding
        self.transient = finding.transient if transient is None else transient

    @property
    def code(self) -> str | None:
        return self.finding.code.value if self.finding else None


class Refused:
    """The rule book's refusal of a token, kept while the token is remembered: its
    finding built once, and the answer to it once per scheme (the app's)."""

    __slots__ = ("finding", "answers")

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        self.answers: dict[str, object] = {}


@dataclass(frozen=True)
class Principal:
    subject: str
    scopes: frozenset[str]
    claims: dict = field(repr=False)
    kid: str = ""
    # The request rows' verdict on this token (the table's findings, () for none) by
    # scope, or by (scope, client certificate) for a token bound to one, for a Bearer
    # call: those rows read nothing that changes while the token is remembered, so a
    # token sent again skips them.
    verdicts: dict = field(default_factory=dict, repr=False, compare=False)


def validation_policy(settings: TokenValidation, issuer: str, **rules) -> Policy:
    """What any bundled API expects of a token, as the rule book reads it: the keys every
    resource server's table holds, and `rules`, the API's own."""
    return Policy(
        issuer=issuer,
        audience=settings.audience,
        algorithms=tuple(settings.algorithms),
        leeway=settings.leeway,
        strict_rfc9068=settings.strict_rfc9068,
        **rules,
    )


def jwks_cache(settings: TokenValidation, issuer: str) -> JwksCache:
    """The issuer's keys as any bundled API caches them; the HTTP client is set in the
    app's lifespan, on the server's own event loop."""
    return JwksCache(
        issuer,
        client=None,
        ttl=settings.jwks_cache_seconds,
        cooldown=settings.jwks_cooldown_seconds,
        timeout=settings.fetch_timeout,
        jwks_uri=settings.jwks_uri,
    )


def policy_of(settings: ApiSettings, issuer: str) -> Policy:
    """What World Mappers expects of a token, as the rule book reads it."""
    return validation_policy(
        settings,
        issuer,
        organization_required=settings.require_organization or bool(settings.organizations),
        organizations=tuple(settings.organizations),
        dpop_required=settings.dpop == "required",
        mtls_required=settings.mtls == "required",
        required_claims=settings.claim_requirements,
    )


class TokenValidator:
    """A JWT access token judged by the rule table under `policy`, with the issuer's keys
    from `jwks`: any API's (World Mappers', the Routes API's), whatever its settings."""

    def __init__(self, policy: Policy, jwks: JwksCache) -> None:
        bad = [a for a in policy.algorithms if a not in ASYMMETRIC]
        if bad:
            raise ValueError(f"algorithms must be asymmetric; not allowed: {', '.join(bad)}")
        self.issuer = policy.issuer
        self.policy = policy
        self.header_rows = for_policy(HEADER, self.policy)  # chosen once for the policy
        self.signed_rows = for_policy(SIGNED, self.policy)
        self.jwks = jwks
        self.clock = time.time  # what exp, nbf and iat are judged by: a test moves it
        # token → (principal, kid, exp): a token verified once is not verified again while
        # its exp holds and its key is still in the issuer's JWKS. Bounded, LRU.
        self._verified: OrderedDict[str, tuple[Principal, str, float]] = OrderedDict()
        self._refused: OrderedDict[str, Refused] = OrderedDict()  # token → why, for repeats

    def remembered(self, token: str) -> Principal | Refused | None:
        """A token judged before, answered with no waiting (the common case: clients send
        one token again and again): its principal while its exp holds and the keys held
        now still have its kid, or its refusal. None: `validate` must judge it, or ask
        the JWKS again for its kid."""
        hit = self._verified.get(token)
        if hit is None:
            return self._refused.get(token)
        principal, kid, exp = hit
        if expired(exp, self.clock(), self.policy.leeway):  # the exp rule's own comparison
            del self._verified[token]
            return None
        # The key lookup also keeps the JWKS fresh, so a revoked key ends the entry.
        if self.jwks.held(kid) is None:
            return None  # left in place for `validate`, which asks the JWKS for it
        self._verified.move_to_end(token)
        return principal

    async def validate(self, token: str) -> Principal | Refused:
        """The token's principal, or the rule book's refusal (returned, not raised: a
        forged token sent again and again costs a look-up). InvalidToken only for what
        the rule book cannot judge: keys that could not be fetched."""
        known = self.remembered(token)
        if known is not None:
            return known
        hit = self._verified.pop(token, None)
        if hit is not None:  # unexpired, but its kid is not among the keys held now
            if await self.jwks.key(hit[1]) is not None:  # in the JWKS, fetched again
                self._verified[token] = hit
                return hit[0]
        refused = self._refused.get(token)
        if refused is not None:
            return refused
        judged = await self._validate(token)
        if isinstance(judged, Finding):
            refused = Refused(judged)
            # A bad signature or a bad claim stays bad; an unknown key may appear later.
            if not judged.transient:
                self._refused[token] = refused
                if len(self._refused) > VERIFIED_CACHE_SIZE:
                    self._refused.popitem(last=False)
            return refused
        self._verified[token] = (judged, judged.kid, float(judged.claims["exp"]))
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return judged

    async def _validate(self, token: str) -> Principal | Finding:
        """The rule table's rows on the token, in its order, stopping at the first
        finding: the key is awaited only once the header has passed."""
        presented = Presented(token, self.policy, 0.0)
        found = run(presented, self.header_rows)
        if found:
            return found[0]
        kid = presented.jws.header["kid"]
        try:
            await self.jwks.key(kid)  # fetched now if the kid is new (within the cooldown)
        except JwksUnavailable as exc:
            raise InvalidToken(
                None, f"the API could not get the issuer's signing keys ({exc})", transient=True
            ) from None
        presented.keys = self.jwks.keys  # each parsed once, when the JWKS came
        presented.now = self.clock()
        found = run(presented, self.signed_rows)
        if found:
            return found[0]
        claims = presented.claims
        subject = claims.get("sub")
        return Principal(
            subject=subject if isinstance(subject, str) else "",
            scopes=scopes_of(claims),
            claims=claims,
            kid=kid,
        )
