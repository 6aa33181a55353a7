"""Where target 2's gap lies: the API's ASGI app called directly, without sockets.

    python bench/auth_overhead.py [--calls 20000]

Times `/health` and `/api/directions` with a cached valid token, in-process, so
the difference is only the token check, the scope check and the route; compare
with bench/api_throughput.py, which adds httptools, uvicorn and the sockets.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import start_stack  # noqa: E402 - the repository's own test servers


async def call(app, path: str, query: bytes, headers: list) -> int:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": headers,
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 1),
        "client": ("127.0.0.1", 2),
        "root_path": "",
    }
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"]


async def measure(app, token: str, calls: int) -> dict[str, float]:
    cases = {
        "/health": ("/health", b"", [(b"host", b"127.0.0.1")]),
        "/api/directions, cached valid token": (
            "/api/directions",
            b"destination=Auth0%20Office",
            [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())],
        ),
    }
    results = {}
    for name, args in cases.items():
        assert await call(app, *args) == 200
        started = time.perf_counter()
        for _ in range(calls):
            await call(app, *args)
        results[name] = (time.perf_counter() - started) / calls * 1e6
    return results


async def measure_then_close(stack, calls: int) -> dict[str, float]:
    app = stack.thread.prepared.servers[-1].config.app
    try:
        return await measure(app, stack.token(), calls)
    finally:
        # A JWKS refresh during the run opened connections on this loop: close them
        # here, not from the server's loop at its shutdown.
        await stack.api_state.jwks.client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    stack = start_stack(Path(tempfile.mkdtemp()) / "state")
    try:
        results = asyncio.run(measure_then_close(stack, args.calls))
    finally:
        stack.thread.stop()
    for name, us in results.items():
        print(f"{name}: {us:.1f} µs per request")


if __name__ == "__main__":
    main()
