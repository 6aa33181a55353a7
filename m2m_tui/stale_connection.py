"""A keep-alive race, retried once, for token requests and API calls alike: a server may
close an idle pooled connection at the very moment the client reuses it (uvicorn closes
idle ones after 5 s; a restarted server drops all of them). The request then meets a
closed socket and no answer at all.

RFC 9112 §9.3.1 lets a client retry then, and clients do (urllib3, aiohttp): once, only
on a connection that was reused, and only when not one byte of the answer arrived, so
the server cannot have acted on it as far as the client can tell. A fresh connection
that closes without answering is a real failure and is reported as such."""

from __future__ import annotations

import httpx

# The events httpcore traces while it opens a connection of its own.
_OPENING = ("connection.connect_tcp.started", "connection.connect_unix_socket.started")
_HEAD_DONE = ("http11.receive_response_headers.complete", "http2.receive_response_headers.complete")


class _Attempt:
    """What httpcore's trace said of one attempt: a new connection, and how far the
    answer got."""

    def __init__(self) -> None:
        self.opened = False
        self.head_arrived = False

    async def trace(self, event: str, info: dict) -> None:
        if event in _OPENING:
            self.opened = True
        elif event in _HEAD_DONE:
            self.head_arrived = True

    def went_stale(self, exc: Exception) -> bool:
        """A reused connection found closed before any byte of the answer came."""
        closed = isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError)
        return closed and not self.opened and not self.head_arrived


async def send(client: httpx.AsyncClient, method: str, url: str, **kwargs) -> httpx.Response:
    """`client.request`, sent once more when a reused connection had gone stale. A
    failure leaves on the exception whether the answer's head had arrived (see
    `answer_began`), which tells a server that died mid-answer from one that never began."""
    attempt = _Attempt()
    try:
        return await client.request(method, url, extensions={"trace": attempt.trace}, **kwargs)
    except httpx.TransportError as exc:
        if not attempt.went_stale(exc):
            exc.answer_began = attempt.head_arrived  # type: ignore[attr-defined]
            raise
    attempt = _Attempt()
    try:
        return await client.request(method, url, extensions={"trace": attempt.trace}, **kwargs)
    except httpx.TransportError as exc:
        exc.answer_began = attempt.head_arrived  # type: ignore[attr-defined]
        raise


def answer_began(exc: BaseException) -> bool | None:
    """Whether the status line and headers had arrived when `exc` ended a request sent by
    `send`; None for a request sent some other way."""
    return getattr(exc, "answer_began", None)
