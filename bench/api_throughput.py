"""World Mappers API throughput, side by side with Auth0's Express validator (issue 8, 1-3).

    python bench/api_throughput.py [--seconds 5] [--peers /tmp/peers]

Needs `wrk` (Debian package) and the peers from ../shared/peers/ installed with
`npm install` in a writable copy (pass its folder as --peers). Both APIs verify the
very same token, issued by the bundled authority. Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import free_port, gift_token


def wrk(url: str, token: str | None, seconds: int) -> float:
    cmd = ["wrk", "-t1", "-c32", f"-d{seconds}s", url]
    if token:
        cmd[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out and "/bad" not in url:
        print(f"warning: non-2xx answers from {url}", file=sys.stderr)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--peers", default="/tmp/peers")
    args = parser.parse_args()
    authority, api, express, routes = free_port(), free_port(), free_port(), free_port()
    procs = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "M2M_TUI_STATE_DIR": tmp}
        ours = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "m2m_tui",
                "serve",
                "--authority-port",
                str(authority),
                "--api-port",
                str(api),
                "--routes-port",  # the Routes API too: never 7002, which may be in use
                str(routes),
                # One hop, as the Express peer answers: this measures the API's own token
                # handling, not the Routes API behind it (#49's directions by exchange).
                "--directions-by",
                "local",
            ],
            stdout=subprocess.DEVNULL,
            env=env,
        )
        procs.append(ours)
        issuer = f"http://127.0.0.1:{authority}/"
        peer = subprocess.Popen(
            ["node", str(Path(args.peers) / "worldmappers-express.js")],
            env={
                **os.environ,
                "ISSUER": issuer,
                "JWKS_URI": issuer + ".well-known/jwks.json",
                "PORT": str(express),
            },
            stdout=subprocess.DEVNULL,
        )
        procs.append(peer)
        try:
            time.sleep(3)
            token = gift_token(issuer)
            head, payload, _ = token.split(".")
            bad = f"{head}.{payload}.{'A' * 342}"
            path = "/api/directions?destination=Auth0%20Office"
            results = {
                "ours, valid token": wrk(f"http://127.0.0.1:{api}{path}", token, args.seconds),
                "Express peer, valid token": wrk(
                    f"http://127.0.0.1:{express}{path}", token, args.seconds
                ),
                "ours, /health": wrk(f"http://127.0.0.1:{api}/health", None, args.seconds),
                "ours, bad signature": wrk(f"http://127.0.0.1:{api}{path}&/bad", bad, args.seconds),
            }
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=10)
    print(f"| case | requests/s (wrk -t1 -c32 -d{args.seconds}s) |")
    print("|---|---|")
    for name, rps in results.items():
        print(f"| {name} | {rps:,.0f} |")
    ours = results["ours, valid token"]
    print(
        f"\n1. ours ÷ Express, valid token: {ours / results['Express peer, valid token']:.2f}×"
        " (target ≥ 2.0×)"
    )
    print(f"2. protected ÷ /health: {ours / results['ours, /health']:.2f}× (target ≥ 0.8×)")
    print(
        f"3. rejection ÷ acceptance: {results['ours, bad signature'] / ours:.2f}× (target ≥ 0.8×)"
    )


if __name__ == "__main__":
    main()
