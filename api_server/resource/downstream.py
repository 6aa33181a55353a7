"""World Mappers' directions by the Routes API, on the caller's behalf (RFC 8693): the
caller's token is exchanged at the authority, as World Mappers' own client, for a token
for the Routes API (its `act` names World Mappers), and the route is asked with that.
The caller's token is never forwarded, and no token is logged or answered. What is told of
the hop (status, the exchanged token's claims, the Routes API's answer), the
"downstream" object, is kept as a record the answer links to (`hops.py`): a route's
answer stays the original sample's array of steps; a 502's body carries it too."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable

import httpx

from oauth_primitives.token_exchange import GRANT_TYPE, TokenType

from ..settings import ApiSettings
from .hops import HopStore

log = logging.getLogger("api_server.api.downstream")
ROUTES_SCOPE = "routes:read"
REMEMBERED = 1024  # exchanged tokens kept, by the caller's token
# How long an exchanged token is reused for the same caller's token. Short: every
# exchange is the authority's fresh word on the caller's token (revoked since?) and on the
# policy (a profile or grant changed?); reused until its exp, a revoked caller would keep
# getting directions for the Routes API token's whole life (an hour). 30 s still spares
# the authority a burst of calls with one token.
REUSE_SECONDS = 30
MAX_ANSWER = 256 * 1024


class Downstream:
    """The exchange and the Routes API call; `client` is set on the server's own loop."""

    def __init__(self, settings: ApiSettings, token_url: str, routes_url: str) -> None:
        self.settings = settings
        self.token_url = token_url
        self.routes_url = routes_url.rstrip("/")
        self.api = settings.routes_audience
        self.client: httpx.AsyncClient | None = None
        self.timeout = settings.fetch_timeout
        self.clock: Callable[[], float] = time.time  # tests move it
        # caller's token → (exchanged token, reusable until, what the answer says of it)
        self._exchanged: OrderedDict[str, tuple[str, float, dict]] = OrderedDict()
        self.hops = HopStore()

    async def directions(
        self, subject_token: str, caller: str, origin: str, destination: str
    ) -> tuple[int, object, str | None]:
        """(status, body, the hop record's id): 200 and the route's steps, or 502 and
        which hop failed; the record is kept for `caller` (the token's sub) alone, and
        for a token with no sub not at all (every such caller would be one)."""
        status, body, hop = await self._directions(subject_token, origin, destination)
        return status, body, self.hops.add(caller, hop) if caller else None

    async def _directions(self, subject_token: str, origin: str, destination: str):
        # The URL as sent, its query encoded once here, so the record names the very
        # request the Routes API received (a user compares it with that API's own log).
        url = httpx.URL(f"{self.routes_url}/api/routes", params={"from": origin, "to": destination})
        hop: dict = {"api": self.api, "url": str(url)}
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                exchanged = await self._exchange(subject_token, hop)
                if exchanged is None:
                    failed = _failed("exchange_refused", _refused_words(hop), hop, started)
                    return 502, failed, hop
                answer = await self.client.get(
                    url,
                    headers={"Authorization": f"Bearer {exchanged}", "Accept": "application/json"},
                )
        except (httpx.HTTPError, TimeoutError) as exc:
            words = "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
            at_authority = hop.get("exchange", {}).get("status") is None
            where = "the authority" if at_authority else "the Routes API"
            words = f"{where} could not be reached ({words})"
            return 502, _failed("downstream_unavailable", words, hop, started), hop
        hop["status"] = answer.status_code
        body = _json(answer)
        hop["body"] = body
        steps = body.get("steps") if isinstance(body, dict) else None
        if answer.status_code != 200 or not isinstance(steps, list):
            hop["www_authenticate"] = answer.headers.get("www-authenticate")
            words = f"the Routes API answered {answer.status_code}"
            if isinstance(body, dict) and body.get("error"):
                words += f" ({body['error']}: {body.get('error_description', '')})"
            elif answer.status_code == 200:
                words += ", without steps"
            return 502, _failed("downstream_refused", words, hop, started), hop
        hop["elapsed_ms"] = _elapsed(started)
        log.debug(
            "directions by the Routes API: %s in %.1f ms", answer.status_code, hop["elapsed_ms"]
        )
        return 200, steps, hop

    async def _exchange(self, subject_token: str, hop: dict) -> str | None:
        """The Routes API token for this caller's token (reused for REUSE_SECONDS, never
        within 30 s of its exp), or None with the refusal in `hop["exchange"]`."""
        kept = self._exchanged.get(subject_token)
        if kept is not None and kept[1] > self.clock():
            self._exchanged.move_to_end(subject_token)
            hop["exchange"] = {**kept[2], "remembered": True}
            return kept[0]
        form = {
            "grant_type": GRANT_TYPE,
            "subject_token": subject_token,
            "subject_token_type": TokenType.ACCESS_TOKEN.value,
            "audience": self.api,
            "scope": ROUTES_SCOPE,
            "client_id": self.settings.exchange_client_id or "",
            "client_secret": self.settings.exchange_client_secret or "",
        }
        hop["exchange"] = {"status": None}  # under way: a transport failure is the authority's
        answer = await self.client.post(
            self.token_url, data=form, headers={"Accept": "application/json"}
        )
        body = _json(answer)
        body = body if isinstance(body, dict) else {}
        token = body.get("access_token")
        if answer.status_code != 200 or not isinstance(token, str):
            hop["exchange"] = {
                "status": answer.status_code,
                "error": body.get("error"),
                "error_description": body.get("error_description"),
                "rule": body.get("rule"),
            }
            return None
        claims = _claims(token)
        now = self.clock()
        summary = {
            "status": 200,
            "exchanged_at": int(now),  # so a reused one can say how long ago
            "issued_token_type": body.get("issued_token_type"),
            "scope": body.get("scope"),
            **{name: claims.get(name) for name in ("act", "sub", "aud", "exp")},
        }
        hop["exchange"] = summary
        exp = claims.get("exp")
        if isinstance(exp, int | float):
            until = min(now + REUSE_SECONDS, float(exp) - 30)
            self._exchanged[subject_token] = (token, until, summary)
            if len(self._exchanged) > REMEMBERED:
                self._exchanged.popitem(last=False)
        return token


def _claims(token: str) -> dict:
    """The exchanged token's claims, read (not verified: the Routes API verifies it) for
    the answer's account of the hop."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _json(answer: httpx.Response) -> object:
    if len(answer.content) > MAX_ANSWER:
        return None
    try:
        return answer.json()
    except ValueError:
        return None


def _elapsed(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _refused_words(hop: dict) -> str:
    exchange = hop["exchange"]
    said = exchange.get("error_description") or exchange.get("error") or "no reason given"
    return f"the authority refused the token exchange ({exchange['status']}: {said})"


def _failed(error: str, description: str, hop: dict, started: float) -> dict:
    hop.setdefault("status", None)
    hop["elapsed_ms"] = _elapsed(started)
    return {"error": error, "error_description": description, "downstream": hop}
