"""An API that answers every path and method with what it was sent (method, path,
query, headers, body): for the tests of what a call sends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import serve_app


@contextmanager
def echo_api() -> Iterator[str]:
    """Its base URL while it runs, on a free loopback port."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def reflect(request):
        return JSONResponse(
            {
                "method": request.method,
                "path": request.url.path,
                "query": request.url.query,  # as it arrived, before any parsing
                "headers": dict(request.headers),
                "body": (await request.body()).decode(),
            }
        )

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    app = Starlette(routes=[Route("/{path:path}", reflect, methods=methods)])
    url, thread = serve_app(app)
    try:
        yield url
    finally:
        thread.stop()
