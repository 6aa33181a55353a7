"""A trusted external issuer's signing keys, for token exchange subject tokens: its
profile's inline JWKS, or its `jwks_uri` fetched under one deadline and a size limit,
kept for its Cache-Control max-age (RFC 9111 §5.2.2.1) between a floor and a ceiling.
The fetch happens inside a token request, so it must neither hang it (a trickling
server), nor fill memory, nor fail as a 500 on a document of the wrong shape: any of
those is `KeysUnavailable`, with words the refusal carries."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
from collections.abc import Callable

import httpx

from oauth_primitives.http_cache import max_age
from oauth_primitives.rules.keys import signing_keys

DEADLINE = 5.0  # seconds for the whole fetch: connect, headers and every byte
MAX_BYTES = 64 * 1024  # a JWKS of a few keys is a few KiB
CACHE_FLOOR = 30.0  # refetch no oftener, whatever max-age says (each is in a request)
CACHE_CEILING = 3600.0  # nor keep longer: a rotated-out key is dropped within the hour
CACHE_DEFAULT = 300.0  # no max-age given
LOOPBACK_NAMES = ("localhost",)


class KeysUnavailable(Exception):
    """The issuer's keys could not be had; str() says why, in words."""


def loopback(host: str | None) -> bool:
    host = (host or "").strip("[]")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def jwks_uri_problem(uri: str) -> str | None:
    """Why a jwks_uri is not one to fetch keys from (None: it is): https, except on a
    loopback host (a local test issuer); anything else may be read or altered on the way."""
    try:
        url = httpx.URL(uri)
    except (httpx.InvalidURL, TypeError):
        return "it is not a URL"
    if url.scheme == "https" or (url.scheme == "http" and loopback(url.host)):
        return None
    return "it must be https (plain http only on a loopback host)"


class IssuerKeys:
    """Fetched JWKS by URI, each until its time is up."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._kept: dict[str, tuple[float, dict[str, dict]]] = {}

    async def keys(self, entry: dict) -> dict[str, dict]:
        """The signing keys by kid of a profile's trusted_issuers entry."""
        if isinstance(entry.get("jwks"), dict):
            return _signing(entry["jwks"])
        uri = entry.get("jwks_uri")
        if not isinstance(uri, str):
            raise KeysUnavailable("its trusted_issuers entry has neither jwks nor jwks_uri")
        kept = self._kept.get(uri)
        if kept is not None and kept[0] > self.clock():
            return kept[1]
        problem = jwks_uri_problem(uri)
        if problem is not None:
            raise KeysUnavailable(f"its jwks_uri {uri} is refused: {problem}")
        body, cache_control = await _fetch(uri)
        try:
            document = json.loads(body)
        except ValueError:
            raise KeysUnavailable(f"its jwks_uri {uri} answered no JSON") from None
        keys = _signing(document, uri)
        seconds = max_age(cache_control)
        seconds = CACHE_DEFAULT if seconds is None else seconds
        self._kept[uri] = (self.clock() + min(max(seconds, CACHE_FLOOR), CACHE_CEILING), keys)
        return keys


async def _fetch(uri: str) -> tuple[bytes, str | None]:
    try:
        async with asyncio.timeout(DEADLINE), httpx.AsyncClient() as client:
            async with client.stream("GET", uri, headers={"Accept": "application/json"}) as got:
                if got.status_code != 200:
                    raise KeysUnavailable(f"its jwks_uri {uri} answered {got.status_code}")
                body = bytearray()
                async for chunk in got.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:
                        raise KeysUnavailable(
                            f"its jwks_uri {uri} answered more than {MAX_BYTES // 1024} KiB"
                        )
                return bytes(body), got.headers.get("cache-control")
    except TimeoutError:
        raise KeysUnavailable(f"its jwks_uri {uri} did not answer within {DEADLINE:g} s") from None
    except httpx.HTTPError as exc:
        raise KeysUnavailable(
            f"its jwks_uri {uri} could not be reached ({type(exc).__name__})"
        ) from None


def _signing(document: object, uri: str | None = None) -> dict[str, dict]:
    where = f"its jwks_uri {uri}" if uri else "its inline jwks"
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise KeysUnavailable(f"{where} is not a JWKS (a JSON object with a keys array)")
    try:
        return signing_keys(document)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise KeysUnavailable(f"{where} holds keys that cannot be read") from None
