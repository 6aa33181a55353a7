"""Token exchange in the session (RFC 8693): the current token (or a given one) exchanged
by an acting profile's client for a token for another API, the way an API that must call
the next one on its caller's behalf does. The exchanged token joins the history, linked
to the entry whose token was its subject; it never replaces the session's own token,
which stays the one for the profile's API."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from m2m_tui.config.file import Config, ConfigError
from m2m_tui.config.profile import Profile
from m2m_tui.config.profiles import (
    SecretUnavailable,
    credential_hint,
    missing_credential,
    resolve_secret,
    select_profile,
    with_bundled_ca,
)
from m2m_tui.oauth.dpop import DpopKey, DpopKeyError, NonceBook, load_or_create_key
from m2m_tui.oauth.token_exchange import ExchangeAsk, exchange_request, exchange_token
from m2m_tui.oauth.token_request import TokenOutcome, resolve_token_endpoint
from m2m_tui.session.history import History, HistoryEntry
from m2m_tui.tokens.decoded import NotAJwt, decode
from oauth_primitives.token_exchange import TokenType

if TYPE_CHECKING:
    import httpx


class Exchanges:
    def __init__(
        self,
        config: Config,
        state_dir: Path,
        history: History,
        current: Callable[[], str | None],
        get_token: Callable[[], Awaitable[TokenOutcome]],
        client_for: Callable[[Profile], httpx.AsyncClient],
        timeout: Callable[[], float],
    ) -> None:
        self._config = config
        self._state_dir = state_dir
        self._history = history
        self._current = current
        self._get_token = get_token
        self._client_for = client_for
        self._timeout = timeout
        self.nonces = NonceBook()  # the acting clients' DPoP nonces (RFC 9449 §8)
        self.last: TokenOutcome | None = None

    def acting_profiles(self, current: str | None = None) -> list[str]:
        """The profiles that could act: every one but `current`, the subject's own."""
        return [name for name in self._config.profiles if name != current]

    def profile(self, name: str) -> Profile:
        """The acting profile named `name`. Raises ConfigError naming the known ones."""
        return with_bundled_ca(select_profile(self._config, name), self._state_dir)

    def bound_key(self, acting: str | Profile, token: str | None) -> DpopKey | None:
        """The key to prove `token` with when it is DPoP-bound (cnf.jkt): the acting
        profile's. It proved the exchange, so the token is bound to it (RFC 9449 §5); the
        subject's client never held the exchanged token, nor its key."""
        try:
            bound = token is not None and isinstance(decode(token).payload.get("cnf"), dict)
            acting = self.profile(acting) if isinstance(acting, str) else acting
        except (NotAJwt, ConfigError):
            return None
        if not bound or not acting.dpop:
            return None  # a bound token without the key goes as Bearer: the API says why
        try:
            return load_or_create_key(
                self._state_dir, acting.name, acting.dpop_alg, acting.dpop_key_file
            )
        except (DpopKeyError, ValueError, OSError):
            return None

    async def exchange(
        self,
        acting: str | Profile,
        subject_token: str | None = None,
        *,
        audience: str | None = None,
        resource: str | None = None,
        scope: str | None = None,
        actor_from: str | None = None,
        requested_token_type: str | None = None,
        subject_token_type: str = TokenType.ACCESS_TOKEN,
    ) -> TokenOutcome:
        """`subject_token` (else the session's token, obtained if need be) exchanged by
        `acting`'s client; with `actor_from`, that profile's token as the actor token.
        Never raises for a profile, a credential or the server: the outcome says it."""
        try:
            acting = self.profile(acting) if isinstance(acting, str) else acting
            actor = self.profile(actor_from) if actor_from else None
        except ConfigError as exc:
            return self._configuration(str(exc), "Name one of the config's profiles.")
        subject_token = subject_token or self._current()
        if subject_token is None:
            subject = await self._get_token()
            if not subject.ok:
                return subject  # why there is no token to exchange: that refusal itself
            subject_token = subject.access_token
        actor_token = None
        if actor is not None:
            got = await self.token_of(actor)
            if not got.ok:
                got.description = f"no actor token from profile {actor.name}: {got.description}"
                return got
            actor_token = got.access_token
        ask = ExchangeAsk(
            subject_token,
            subject_token_type,
            audience=audience,
            resource=resource,
            scope=scope,
            actor_token=actor_token,
            actor_token_type=TokenType.ACCESS_TOKEN if actor_token else None,
            requested_token_type=requested_token_type,
        )
        outcome = await self._send(acting, ask)
        return self._record(acting, outcome, self._history.issued(subject_token))

    async def token_of(self, profile: Profile) -> TokenOutcome:
        """A client_credentials token of another profile (an actor token), from the cache
        while good. Kept out of the session's token and history: it is a means."""
        from m2m_tui.session.tokens import Tokens

        tokens = Tokens(
            self._state_dir,
            profile,
            History(),
            lambda: self._client_for(profile),
            self._timeout,
        )
        return await tokens.get()

    async def _send(self, acting: Profile, ask: ExchangeAsk) -> TokenOutcome:
        missing = missing_credential(acting)
        if missing:
            return self._configuration(missing, credential_hint(acting))
        async with self._client_for(acting) as client:
            try:
                secret = resolve_secret(acting)
                endpoint = await resolve_token_endpoint(acting, client)
                request = exchange_request(acting, secret, endpoint, ask)
                key = None
                if acting.dpop:
                    key = load_or_create_key(
                        self._state_dir, acting.name, acting.dpop_alg, acting.dpop_key_file
                    )
            except (SecretUnavailable, ValueError, OSError) as exc:
                return self._configuration(str(exc), "Fix the acting profile in the config file.")
            return await exchange_token(request, client, self._timeout(), key, self.nonces)

    def _configuration(self, description: str, hint: str) -> TokenOutcome:
        return TokenOutcome(None, error="configuration", description=description, hint=hint)

    def _record(self, acting: Profile, outcome: TokenOutcome, subject: int | None) -> TokenOutcome:
        self.last = outcome
        asked = outcome.sent.asked if outcome.sent else {}
        target = asked.get("audience") or asked.get("resource") or acting.audience or ""
        status = str(outcome.exchange.status) if outcome.ok and outcome.exchange else None
        summary = f"{acting.client_id} ⇄ {target}"
        if subject is not None:
            summary += f", exchanged from #{subject + 1}"
        self._history.add(
            HistoryEntry(
                time.time(),
                "exchange",
                summary,
                status or outcome.error or "error",
                outcome=outcome,
                subject=subject,
            )
        )
        return outcome
