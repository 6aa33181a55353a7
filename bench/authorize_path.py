"""A good token's path through the API in process (issue 46): this commit's beside the one
before the rule book, without sockets, so that what the rule book's side costs is not
lost in uvicorn's and the kernel's share.

    .venv/bin/python bench/authorize_path.py [--calls 20000] [--rounds 3] [--before COMMIT]

Both trees are measured as bench/rule_table.py runs them (the old one unpacked with
`git archive`, each imported from its own folder in a process of its own) against one
bundled authority, with the same token, sent again and again as clients do. Each
process times, in CPU time per call (the best of seven runs of `--calls`):
- `authorize`: the API's token and request checks alone, on a Starlette `Request` made
  as the route makes it (its parsed query already remembered);
- the whole app: `GET /api/directions` through the access log, the Host check, the
  router, `authorize` and the handler, as uvicorn would call it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import free_port, gift_token
from rule_table import REPO, start, unpack, wait_up

PATH, QUERY, SCOPE = "/api/directions", b"destination=Auth0%20Office", "directions"


def child(issuer: str, token: str, calls: int) -> None:
    """Run in the tree under test (PYTHONPATH): its api_server is the one imported."""
    import httpx
    from starlette.datastructures import QueryParams
    from starlette.requests import Request

    from api_server.access_log import AccessLog
    from api_server.resource.app import create_api_app
    from api_server.resource.gazetteer import gazetteer
    from api_server.serve import trusted_hosts
    from api_server.settings import ApiSettings

    app = create_api_app(ApiSettings(), issuer, "http://127.0.0.1:1")
    api = app.state.api
    whole = AccessLog(trusted_hosts(app, "127.0.0.1"), "api_server.api")
    headers = [(b"host", b"127.0.0.1:1"), (b"authorization", f"Bearer {token}".encode())]
    query = QueryParams(QUERY)

    def scope() -> dict:
        return {
            "type": "http", "method": "GET", "path": PATH, "raw_path": PATH.encode(),
            "query_string": QUERY, "headers": headers, "http_version": "1.1",
            "scheme": "http", "server": ("127.0.0.1", 1), "client": ("127.0.0.1", 2),
            "root_path": "", "app": app,
        }  # fmt: skip

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise SystemExit(f"the API answered {message['status']}")

    async def authorize() -> None:
        for _ in range(calls):
            request = Request(scope())
            request._query_params = query  # as the route does, from its memory
            await api.authorize(request, SCOPE)

    async def through_the_app() -> None:
        for _ in range(calls):
            await whole(scope(), receive, send)

    async def main() -> dict[str, float]:
        api.jwks.client = httpx.AsyncClient()
        gazetteer()
        await whole(scope(), receive, send)  # the token judged once, the places loaded
        gc.freeze()  # as api_server/serve.py does after start-up
        best = {}
        for name, run in (("authorize", authorize), ("app", through_the_app)):
            times = []
            for _ in range(7):
                started = time.process_time()
                await run()
                times.append((time.process_time() - started) / calls * 1e6)
            best[name] = min(times)
        return best

    print(json.dumps(asyncio.run(main())))


def measure(tree: Path, issuer: str, token: str, calls: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    args = [sys.executable, __file__, "--child", issuer, token, "--calls", str(calls)]
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", default="8e6f243^", help="the commit before the rule book")
    parser.add_argument("--child", nargs=2, metavar=("ISSUER", "TOKEN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.calls)
        return
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"old": unpack(args.before, Path(tmp) / "old"), "new": REPO}
        port = free_port()
        issuer = f"http://127.0.0.1:{port}/"
        authority = start(
            REPO, Path(tmp) / "a", "--only", "authority", "--authority-port", str(port)
        )
        try:
            wait_up(issuer + ".well-known/openid-configuration")
            token = gift_token(issuer)
            results: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
            for _ in range(args.rounds):  # interleaved, as in rule_table.py
                for name, tree in trees.items():
                    results[name].append(measure(tree, issuer, token, args.calls))
        finally:
            os.killpg(authority.pid, signal.SIGTERM)
            authority.wait(timeout=15)
    before = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", args.before],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"old = {before} (the commit before the rule book), new = this tree")
    print(f"CPU µs per call, best of 7 runs of {args.calls:,}; median of {args.rounds} rounds\n")
    print("| path | old µs | new µs | rate, new ÷ old |")
    print("|---|---|---|---|")
    for path in ("authorize", "app"):
        old = statistics.median(r[path] for r in results["old"])
        new = statistics.median(r[path] for r in results["new"])
        print(f"| {path} | {old:.2f} | {new:.2f} | {old / new:.2f}× |")


if __name__ == "__main__":
    main()
