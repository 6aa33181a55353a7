"""The downstream hop behind an API's answer: World Mappers answers its directions as
the original sample's array and links the record of the call it made for them (the
token exchange and the Routes API's answer) in a `Link` header (RFC 8288). This reads
the link and fetches the record with the same token, as the caller it was made for."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from m2m_tui.api.client import ApiCall, ApiEndpoint, ApiResult, send
from m2m_tui.api.downstream import DownstreamHop, read_hop
from m2m_tui.api.redirects import keeps_authorization
from m2m_tui.api.request_parts import CREDENTIAL_HEADERS
from m2m_tui.lazy import lazy_module
from m2m_tui.oauth.dpop import DpopKey, NonceBook
from oauth_primitives.downstream_hop import REL, link_targets

httpx = lazy_module("httpx")


@dataclass(frozen=True)
class HopFetch:
    """The record (the "downstream" object: api, url, status, elapsed_ms, exchange,
    body or www_authenticate), else the reason there is none, in words."""

    record: dict | None
    reason: str | None = None
    url: str | None = None  # where the record was (or would have been) asked for
    fetched: ApiResult | None = None  # the record's own call, as the transcript shows it


def hop_link(result: ApiResult) -> str | None:
    """The absolute URL of the hop record `result`'s answer links to, if any."""
    headers = {k.lower(): v for k, v in result.exchange.response_headers.items()}
    targets = link_targets(headers.get("link"), REL)
    # RFC 8288 §3.1: a relative target is resolved against the request's URL.
    return urljoin(result.exchange.url, targets[0]) if targets else None


async def fetch_hop(
    call: ApiCall,
    result: ApiResult,
    token: str | None,
    client: httpx.AsyncClient,
    timeout: float = 10.0,
    dpop: DpopKey | None = None,
    nonces: NonceBook | None = None,
) -> HopFetch:
    """The hop record `result` links to, asked with `token` (or the user's own
    Authorization, as the call was), never sent to another origin than the call's."""
    if result.status is None:
        return HopFetch(None, f"the call got no answer ({result.error or 'no status'})")
    url = hop_link(result)
    if url is None:
        return HopFetch(
            None,
            f'the answer links no downstream hop (no Link with rel="{REL}"): the API '
            'answered by itself (World Mappers does when directions_by is "local")',
        )
    if not keeps_authorization(result.exchange.url, url):
        return HopFetch(
            None, f"the hop record is at another origin ({url}): the token is not sent there", url
        )
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    own = {k: v for k, v in call.headers.items() if k.lower() == "authorization"}
    hop_call = ApiCall(
        f"{parts.scheme}://{parts.netloc}",
        ApiEndpoint("GET", path, call.endpoint.scope, "The downstream hop's record"),
        headers=own,
    )
    dpop = dpop if token and not set(CREDENTIAL_HEADERS) & {k.lower() for k in own} else None
    fetched = await send(hop_call, token, client, timeout, dpop, nonces)
    return _read(fetched, url)


def _read(fetched: ApiResult, url: str) -> HopFetch:
    status = fetched.status
    if status is None:
        return HopFetch(None, f"the hop record could not be fetched: {fetched.error}", url, fetched)
    body = fetched.exchange.json()
    said = body.get("message") or body.get("error") if isinstance(body, dict) else None
    if status == 404:
        reason = (
            "the API keeps no such hop for this token's caller: it expired or was dropped, "
            "or the token is another client's"
        )
        return HopFetch(None, reason + (f" ({said})" if said else ""), url, fetched)
    if status != 200:
        reason = f"the API answered {status} for the hop record" + (f": {said}" if said else "")
        return HopFetch(None, reason, url, fetched)
    if not isinstance(body, dict):
        return HopFetch(None, "the hop record is not a JSON object", url, fetched)
    return HopFetch(body, None, url, fetched)


@dataclass(frozen=True)
class Downstream:
    """What `call` and the API tab show of an answer's downstream hop: the hop (from a
    502's body, or the record a 200 links to), else why the linked one is not shown."""

    hop: DownstreamHop | None
    reason: str | None = None
    url: str | None = None  # the linked record's
    record: dict | None = None  # the linked record as the API answered it


async def downstream_of(
    call: ApiCall,
    result: ApiResult,
    token: str | None,
    client: httpx.AsyncClient,
    timeout: float = 10.0,
    dpop: DpopKey | None = None,
    nonces: NonceBook | None = None,
) -> Downstream | None:
    """The downstream hop behind `result`, None when its answer reports none (most APIs,
    and World Mappers' directions computed in-process): a failure (502) says it in its
    body; a success links it, and the record is fetched as the call was made."""
    if result.exchange is None or result.status is None:
        return None
    if (hop := read_hop(result.exchange.json())) is not None:
        return Downstream(hop)
    if hop_link(result) is None:
        return None
    fetched = await fetch_hop(call, result, token, client, timeout, dpop, nonces)
    if fetched.record is None:
        return Downstream(None, fetched.reason, fetched.url)
    hop = read_hop({"downstream": fetched.record})
    return Downstream(hop, None, fetched.url, fetched.record)
