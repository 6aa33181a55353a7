"""The API on one worker process against two, in one run (issue 14, part 2).

    python bench/workers.py [--seconds 5]

Needs `wrk`. The authority runs alone; the API runs first as one process, then as two
uvicorn workers behind the same port, each time answering the original sample's own
request, /api/directions?destination=Auth0%20Office, with a valid token. wrk runs on the
same two cores as the workers: the figure shows the machine's limit, not the workers'.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from api_throughput import wrk
from common import free_port, gift_token

PATH = "/api/directions?destination=Auth0%20Office"


def serve(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "m2m_tui", "serve", *args], stdout=subprocess.DEVNULL, env=env
    )


def wait(url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "M2M_TUI_STATE_DIR": tmp}
        authority_port = free_port()
        issuer = f"http://127.0.0.1:{authority_port}/"
        authority = serve("--only", "authority", "--authority-port", str(authority_port), env=env)
        try:
            wait(issuer + "health")
            token = gift_token(issuer)
            for workers in (1, 2):
                port = free_port()
                api = serve(
                    "--only",
                    "api",
                    "--workers",
                    str(workers),
                    "--api-port",
                    str(port),
                    "--issuer",
                    issuer,
                    env=env,
                )
                try:
                    wait(f"http://127.0.0.1:{port}/health")
                    url = f"http://127.0.0.1:{port}{PATH}"
                    wrk(url, token, 1)  # warm every worker's JWKS cache
                    results[workers] = wrk(url, token, args.seconds)
                finally:
                    api.send_signal(signal.SIGTERM)
                    api.wait(timeout=20)
        finally:
            authority.send_signal(signal.SIGTERM)
            authority.wait(timeout=10)
    print(f"| API processes | requests/s (wrk -t1 -c32 -d{args.seconds}s, {PATH}) |")
    print("|---|---|")
    for workers, rps in results.items():
        print(f"| {workers} | {rps:,.0f} |")
    print(f"\n2 workers ÷ 1: {results[2] / results[1]:.2f}× (wrk shares the two cores)")


if __name__ == "__main__":
    main()
