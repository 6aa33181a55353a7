"""The active profile's token: where it comes from (the cache, else the authorization
server), the secret the user typed for it, the DPoP key and nonces that go with it.
Its state changes only through these methods; the history records every outcome."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from m2m_tui.config.profile import Profile
from m2m_tui.config.profiles import (
    SecretUnavailable,
    credential_hint,
    missing_credential,
    resolve_secret,
)
from m2m_tui.oauth.client_cert import CertificateProblem, ClientCertificate, trusting
from m2m_tui.oauth.dpop import DpopKey, DpopKeyError, NonceBook, load_or_create_key
from m2m_tui.oauth.token_cache import TokenCache, credential_digest
from m2m_tui.oauth.token_request import (
    TokenOutcome,
    TokenRequest,
    request_token,
    resolve_token_endpoint,
)
from m2m_tui.session.history import History, HistoryEntry
from m2m_tui.tokens.decoded import DecodedToken, NotAJwt, decode

if TYPE_CHECKING:
    import httpx


class Tokens:
    def __init__(
        self,
        state_dir: Path,
        profile: Profile,
        history: History,
        client: Callable[[], httpx.AsyncClient],
        timeout: Callable[[], float],
    ) -> None:
        self.cache = TokenCache(state_dir)
        self.nonces = NonceBook()  # DPoP nonces, per server (RFC 9449 §8.2)
        self._state_dir = state_dir
        self._history = history
        self._client = client
        self._timeout = timeout
        self.use(profile)

    def use(self, profile: Profile) -> None:
        """Another profile: nothing of the last one's token, secret or key carries over."""
        self.profile = profile
        self._current: str | None = None
        self._outcome: TokenOutcome | None = None
        self._prompted_secret: str | None = None
        self._dpop_key: DpopKey | None = None

    @property
    def current(self) -> str | None:
        return self._current

    @property
    def outcome(self) -> TokenOutcome | None:
        return self._outcome

    # --- the secret ----------------------------------------------------------------
    def needs_prompt(self) -> bool:
        return self.profile.client_secret_prompt and not self._prompted_secret

    @property
    def prompted_secret(self) -> str | None:
        return self._prompted_secret

    def remember_secret(self, secret: str) -> None:
        """A secret the user typed (client_secret_prompt): kept in memory only."""
        self._prompted_secret = secret

    # --- DPoP ------------------------------------------------------------------------
    def dpop_key(self) -> DpopKey | None:
        """This profile's DPoP key when it uses DPoP (made on first use), else None."""
        if not self.profile.dpop:
            return None
        if self._dpop_key is None:
            p = self.profile
            self._dpop_key = load_or_create_key(
                self._state_dir, p.name, p.dpop_alg, p.dpop_key_file
            )
        return self._dpop_key

    def own_jkt(self) -> str | None:
        """The thumbprint of this profile's DPoP key, or None (no DPoP, or no usable key)."""
        try:
            key = self.dpop_key()
        except DpopKeyError:
            return None
        return key.jkt if key else None

    def bound_key(self, token: DecodedToken | str | None) -> DpopKey | None:
        """The key to send `token` with as DPoP: this profile's, when the token is bound
        (cnf.jkt). A bound token without a key goes as Bearer, and the API says why."""
        if isinstance(token, str):
            try:
                token = decode(token)
            except NotAJwt:
                token = None
        if token is None or not isinstance(token.payload.get("cnf"), dict):
            return None
        try:
            return self.dpop_key()
        except DpopKeyError:
            return None

    def credential(self, profile: Profile | None = None) -> str | None:
        """A digest of what the profile's client authenticates with (None: unknown yet)."""
        profile = profile or self.profile
        try:
            secret = resolve_secret(profile, self._prompted_secret)
        except SecretUnavailable:
            secret = None
        return credential_digest(profile, secret)

    # --- getting one ---------------------------------------------------------------
    async def get(self, force: bool = False) -> TokenOutcome:
        """A cached token when one is still good (unless `force`), else a new one. A
        cached token obtained with another secret or key is passed over, and said so."""
        missing = missing_credential(self.profile, self._prompted_secret)
        if missing:  # before the cache, which must not stand in for a credential gone
            outcome = TokenOutcome(
                None,
                error="configuration",
                description=missing,
                hint=credential_hint(self.profile),
            )
            return self.record(outcome)
        credential = self.credential()
        passed_over = None
        if not force:
            cached, passed_over = self.cache.get(self.profile, credential)
            if cached is not None:
                outcome = TokenOutcome(
                    None,
                    access_token=cached.access_token,
                    response=cached.response,
                    from_cache=True,
                    obtained_at=cached.obtained_at,
                )
                return self.record(outcome)
        async with self._client() as client:
            try:
                secret = resolve_secret(self.profile, self._prompted_secret)
                ClientCertificate.of(self.profile)  # a missing or loose key file: say so
                if self.profile.ca_file:  # an unreadable CA file: say so too
                    trusting(self.profile.ca_file, None, None)
                endpoint = await resolve_token_endpoint(self.profile, client)
                request = TokenRequest.for_profile(self.profile, secret, endpoint)
                key = self.dpop_key()
            except Exception as exc:  # missing secret, unreadable key, no discovery: say so
                return self.record(
                    TokenOutcome(
                        None,
                        error="configuration",
                        description=str(exc),
                        hint=_configuration_hint(self.profile, exc),
                    )
                )
            outcome = await request_token(request, client, self._timeout(), key, self.nonces)
        if outcome.ok:
            self.cache.put(self.profile, outcome.access_token, outcome.response or {}, credential)
        outcome.note = passed_over
        return self.record(outcome)

    def hold(self, token: str) -> None:
        """A token from elsewhere becomes the current one, with no request and no history
        entry (a screenshot's or a benchmark's scene)."""
        self._current = token

    def adopt(self, profile: Profile, outcome: TokenOutcome) -> None:
        """A token obtained elsewhere for `profile` (the Grants screen's test): cached,
        and the current token when `profile` is this session's client and audience."""
        if not outcome.ok:
            return
        self.cache.put(
            profile, outcome.access_token, outcome.response or {}, self.credential(profile)
        )
        if (profile.client_id, profile.audience) == (self.profile.client_id, self.profile.audience):
            self.record(outcome)

    def record(self, outcome: TokenOutcome) -> TokenOutcome:
        if outcome.ok:
            self._current = outcome.access_token
        self._outcome = outcome
        status = (
            ("cached" if outcome.from_cache else str(outcome.exchange.status))
            if outcome.ok
            else (outcome.error or "error")
        )
        where = self.profile.audience or self.profile.resource or self.profile.scope or ""
        self._history.add(
            HistoryEntry(
                time.time(), "token", f"{self.profile.client_id} → {where}", status, outcome=outcome
            )
        )
        return outcome


def _configuration_hint(profile: Profile, exc: Exception) -> str:
    if isinstance(exc, SecretUnavailable) and profile.client_secret_env:
        return f"export {profile.client_secret_env}=… (the secret), or fix the profile."
    if isinstance(exc, CertificateProblem) and profile.bundled == "https" and profile.ca_file:
        if not Path(profile.ca_file).expanduser().exists():  # no `serve --tls` here yet
            return (
                f"`m2m-tui serve --tls both` makes {profile.ca_file} and serves this profile "
                '(bundled = "https"): start it, with the same --config and --state-dir.'
            )
    return "Fix the profile in the config file."
