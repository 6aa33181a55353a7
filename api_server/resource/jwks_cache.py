"""The issuer's signing keys, found by discovery and cached as a careful API caches them.

- `jwks_uri` comes from RFC 8414 / OpenID discovery at the issuer (or the operator's
  configuration), never from a token.
- Keys are trusted for `ttl` seconds; after that they are refreshed in the background
  while the old ones keep serving, so no request waits on a routine refresh.
- An unknown `kid` triggers at most one refetch per `cooldown` (a flood of made-up
  kids costs the issuer one request, not thousands).
- Every fetch has a timeout; when the issuer is down or answers garbage, the last
  good keys stay in use.
- Concurrent callers share one fetch in flight.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import httpx
import jwt

from oauth_primitives.discovery import metadata_urls
from oauth_primitives.http_cache import max_age as cache_max_age
from oauth_primitives.rules.keys import signing_keys

log = logging.getLogger("api_server.api.jwks")
MAX_DOCUMENT = 512 * 1024


@dataclass(frozen=True)
class Jwk:
    """A parsed key, and the `alg` its JWK declares (None when it declares none)."""

    key: jwt.PyJWK
    alg: str | None
    jwk: dict  # as the JWKS gave it: the rule book judges the key from it


class JwksUnavailable(Exception):
    """Keys could not be fetched and none are cached."""


class JwksCache:
    def __init__(
        self,
        issuer: str,
        client: httpx.AsyncClient,
        ttl: float = 600.0,
        cooldown: float = 30.0,
        timeout: float = 5.0,
        jwks_uri: str | None = None,
    ) -> None:
        self.issuer = issuer
        self.client = client
        self.ttl = ttl
        self.cooldown = cooldown
        self.timeout = timeout
        self.keys: dict[str, Jwk] = {}
        self.jwks_uri = jwks_uri  # given: discovery is skipped
        self.fetched_at = -float("inf")
        self.fresh_for = ttl  # the ttl, shortened by the JWKS response's max-age
        self.attempted_at = -float("inf")
        self.fetches = 0
        self.last_error: str | None = None
        self._inflight: asyncio.Task | None = None
        self.clock = time.monotonic  # what the cache's ages are counted by: tests move it

    def held(self, kid: str) -> Jwk | None:
        """The key `kid` names among those held, with no waiting (a verified token sent
        again asks this on every request); a stale JWKS is refreshed behind the caller.
        None when it is not held: `key` may then fetch the JWKS."""
        found = self.keys.get(kid)
        if found is not None:
            now, fresh_for = self.clock(), self.fresh_for
            if now - self.fetched_at >= fresh_for and now - self.attempted_at >= fresh_for:
                self._start_refresh()  # stale: refresh behind the request, serve what we have
        return found

    async def key(self, kid: str) -> Jwk | None:
        found = self.held(kid)
        if found is not None:
            return found
        if self._inflight is not None and not self._inflight.done():
            # A fetch is already under way (the first one, or a refetch): share its result
            # rather than start another, so no request waits for more than one fetch.
            await asyncio.shield(self._inflight)
            return self._found(kid)
        now = self.clock()
        if not self.keys:
            if now - self.attempted_at >= self.cooldown or self.attempted_at < 0:
                await self._refresh()
        elif now - self.attempted_at >= self.cooldown:
            await self._refresh()
        return self._found(kid)

    def _found(self, kid: str) -> Jwk | None:
        if not self.keys and self.last_error:
            raise JwksUnavailable(self.last_error)
        return self.keys.get(kid)

    def _start_refresh(self) -> asyncio.Task:
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.ensure_future(self._fetch())
        return self._inflight

    async def _refresh(self) -> None:
        # shield: a cancelled request must not cancel the fetch others are waiting on.
        await asyncio.shield(self._start_refresh())

    async def _fetch(self) -> None:
        self.attempted_at = self.clock()
        try:
            async with asyncio.timeout(self.timeout):
                if self.jwks_uri is None:
                    self.jwks_uri = await self._discover()
                self.fetches += 1
                document, max_age = await self._get_jwks(self.jwks_uri)
            keys = parse_jwks(document)
            if not keys:
                raise ValueError("the JWKS holds no usable signing key")
        except Exception as exc:  # any failure keeps the last good keys
            self.last_error = f"cannot fetch the issuer's JWKS: {_describe(exc)}"
            log.warning(self.last_error)
            return
        self.keys = keys
        self.fetched_at = self.clock()
        # The issuer may ask for a shorter cache (Cache-Control: max-age), never longer.
        self.fresh_for = min(self.ttl, max(max_age, 1.0)) if max_age is not None else self.ttl
        self.last_error = None

    async def _discover(self) -> str:
        for url in metadata_urls(self.issuer):
            try:
                document = await self._get_json(url)
            except (httpx.HTTPStatusError, ValueError):
                continue
            uri = document.get("jwks_uri")
            if isinstance(uri, str) and uri.startswith(("https://", "http://")):
                return uri
        raise ValueError(f"no jwks_uri in the discovery documents of {self.issuer}")

    async def _get_jwks(self, url: str) -> tuple[dict, float | None]:
        response = await self.client.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        return self._json_of(response, url), cache_max_age(response.headers.get("cache-control"))

    async def _get_json(self, url: str) -> dict:
        response = await self.client.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        return self._json_of(response, url)

    @staticmethod
    def _json_of(response: httpx.Response, url: str) -> dict:
        if len(response.content) > MAX_DOCUMENT:
            raise ValueError(f"{url} answered more than {MAX_DOCUMENT} bytes")
        try:
            document = response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type").split(";")[0]
            raise ValueError(f"{url} answered {kind} that is not JSON") from None
        if not isinstance(document, dict):
            raise ValueError(f"{url} did not answer a JSON object")
        return document


def parse_jwks(document: dict) -> dict[str, Jwk]:
    """Signing keys by kid; keys without a kid, for encryption, or unusable are skipped."""
    keys: dict[str, Jwk] = {}
    for kid, entry in signing_keys(document).items():
        try:
            alg = entry.get("alg")
            keys[kid] = Jwk(jwt.PyJWK(entry), alg if isinstance(alg, str) else None, entry)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            continue
    return keys


def _describe(exc: Exception) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code} from {exc.request.url}"
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return str(exc) or type(exc).__name__
