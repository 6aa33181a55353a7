"""What the authorization server says of a token (RFC 7662 introspection) and taking
it back (RFC 7009 revocation), with the profile's client authentication; and the last
introspection answers, kept so that an opaque token's scope can be predicted."""

from __future__ import annotations

from collections.abc import Callable

from m2m_tui.diagnosis.token_checks import Introspected
from m2m_tui.session.tokens import Tokens
from m2m_tui.tokens.decoded import DecodedToken, parse


class TokenStatus:
    def __init__(self, profile: Callable, client: Callable, tokens: Tokens) -> None:
        self._profile = profile
        self._client = client
        self._tokens = tokens
        self._introspections: dict[str, dict] = {}  # opaque token -> its last answer

    async def introspected(self, raw: str) -> Introspected:
        """What the issuer says of an opaque token, or why it could not be asked. The
        last answers are kept, so the predictions can read the token's scope."""
        answer = await self.introspect(raw)
        said = Introspected(raw, answer.body if answer.ok else None, answer.description)
        if said.body is not None:
            self._introspections[raw] = said.body
            while len(self._introspections) > 8:
                del self._introspections[next(iter(self._introspections))]
        return said

    def claims_of(self, raw: str | None) -> DecodedToken | None:
        """What is known of a token's claims without asking anyone: a JWT's payload, or
        for an opaque token its last introspection response (None when there is none,
        or it said the token is not active)."""
        if not raw:
            return None
        token = parse(raw)
        if isinstance(token, DecodedToken):
            return token
        said = self._introspections.get(raw.strip())
        if said is None or said.get("active") is not True:
            return None
        return DecodedToken(raw=raw.strip(), header={}, payload=said, signature=b"")

    def held(self) -> tuple[str, str] | None:
        """The token introspection asks about when none is given, and where it is held:
        the one in hand (the app's, kept after a revocation), else the profile's cached
        one whatever its age. None when there is neither: a new one is never fetched
        unasked, or "active: true" would answer for a token the user never meant."""
        if self._tokens.current:
            return self._tokens.current, "the session's current token"
        cached = self._tokens.cache.peek(self._profile())
        if cached is not None:
            return cached.access_token, f"the cached token of profile {self._profile().name}"
        return None

    async def introspect(self, token: str, endpoint: str | None = None):
        """RFC 7662: what the profile's authorization server says of `token`."""
        from m2m_tui.oauth.token_status import introspect

        return await self._token_status(introspect, token, endpoint)

    async def revoke(self, token: str, endpoint: str | None = None):
        """RFC 7009: revoke `token` with the profile's client authentication, and drop it
        from the cache when it is the cached one. (the answer, whether it was dropped)"""
        from m2m_tui.oauth.token_status import revoke

        answer = await self._token_status(revoke, token, endpoint)
        cached = self._tokens.cache.peek(self._profile()) if answer.ok else None
        dropped = cached is not None and cached.access_token == token
        if dropped:
            self._tokens.cache.forget(self._profile())
        return answer, dropped

    async def _token_status(self, ask, token: str, endpoint: str | None):
        from m2m_tui.config.profiles import resolve_secret
        from m2m_tui.oauth.token_status import StatusAnswer

        try:
            secret = resolve_secret(self._profile(), self._tokens.prompted_secret)
        except Exception as exc:  # a missing secret or key: the profile's to fix
            return StatusAnswer(error="configuration", description=str(exc))
        async with self._client() as client:
            return await ask(self._profile(), secret, token, client, endpoint)

    async def revoke_token(self) -> tuple[bool, str]:
        """The TUI's `v`: revoke the current token; it stays in hand, so the user can
        watch an API accept or refuse it. (ok, what happened, for the user)"""
        token = self._tokens.current
        if not token:
            return False, "No token to revoke: press t for one first."
        answer, _ = await self.revoke(token)
        if not answer.ok:
            return False, f"Not revoked: {answer.description}"
        return True, (
            f"Revoked at {answer.endpoint} (RFC 7009) and dropped from the cache. An API that "
            "introspects refuses it from now on; one that validates the JWT itself (the "
            "bundled API, by default) accepts it until it expires. t gets a new one."
        )


def which_token(raw: str) -> str:
    """A token named without giving it away: its jti when it is a JWT that has one, and
    its first characters (the header), as the transcripts mask it."""
    from m2m_tui.transcript import masked_token

    token = parse(raw.strip())
    jti = token.payload.get("jti") if isinstance(token, DecodedToken) else None
    masked = masked_token(raw.strip())
    return f"jti {jti} ({masked})" if isinstance(jti, str) and jti else masked
