"""The running API behind a gate the test opens: every /api/ call waits until the test
lets it through (discovery and the OpenAPI document answer at once). For work in flight:
what the screen shows meanwhile, and what Escape does to it, with no timer involved.

Everything else passes through as the API sent it: status, body and every header but
the hop-by-hop ones (Date, DPoP-Nonce, WWW-Authenticate, Cache-Control...)."""

from __future__ import annotations

import asyncio

import pytest

# RFC 9110 §7.6.1 (hop by hop), and what the proxy's own server sets itself.
_NOT_FORWARDED = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "content-encoding",
    "host",
    "server",
    "date",
}


class GatedApi:
    def __init__(self, target: str) -> None:
        import httpx
        from starlette.applications import Starlette
        from starlette.responses import Response
        from starlette.routing import Route

        from tests.conftest import _trust, serve_app

        self.arrived = 0  # /api/ calls that reached the gate
        self.let_through = 0  # how many of them may pass
        self.answered = 0  # /api/ calls the API itself answered

        async def forward(request):
            gated = request.url.path.startswith("/api/")
            body = await request.body()  # before the gate: a cancelled caller is gone after
            if gated:
                number = self.arrived
                self.arrived += 1
                while number >= self.let_through:
                    await asyncio.sleep(0.01)
            headers = {k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED}
            # A client per request: its loop is the server thread's, and making one
            # costs little once the CAs are loaded (_trust).
            async with httpx.AsyncClient(verify=_trust()) as client:
                answer = await client.request(
                    request.method,
                    target.rstrip("/") + request.url.path,
                    params=request.query_params,
                    headers=headers,
                    content=body,
                )
            if gated:
                self.answered += 1
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in _NOT_FORWARDED}
            if "date" in answer.headers:
                kept["date"] = answer.headers["date"]
            return Response(answer.content, status_code=answer.status_code, headers=kept)

        app = Starlette(
            routes=[Route("/{path:path}", forward, methods=["GET", "POST", "PUT", "DELETE"])]
        )
        # The API's own Date header is passed on, not one of the proxy's server.
        url, self.thread = serve_app(app, date_header=False)
        self.url = url.rstrip("/")

    def release(self, calls: int = 1) -> None:
        """Let `calls` more calls through the gate."""
        self.let_through += calls

    def open(self) -> None:
        self.let_through = 1 << 30


@pytest.fixture
def gated_api(stack):
    api = GatedApi(stack.api_url)
    yield api
    api.open()
    api.thread.stop()
