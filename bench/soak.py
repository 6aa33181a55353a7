"""API memory under a long run (issue 8, target 12), and the unknown-kid flood (target 4).

    python bench/soak.py [--phases 5] [--seconds 20]

The authority and the API run as separate processes (`serve --only …`) on free
loopback ports. wrk sends valid-token requests in timed phases (at ~10,000/s,
five phases of 20 s make a million); the API's resident memory is read from
/proc after each. Then a 5 s flood of tokens with
made-up kids, counting the JWKS fetches in the authority's access log.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time

from common import free_port, gift_token


def rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def flood(url: str, token: str, seconds: float) -> int:
    import httpx

    head, payload, sig = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    sent = 0
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient() as client:

        async def worker() -> None:
            nonlocal sent
            while time.monotonic() < deadline:
                header["kid"] = secrets.token_urlsafe(8)
                forged = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=")
                await client.get(
                    url, headers={"Authorization": f"Bearer {forged.decode()}.{payload}.{sig}"}
                )
                sent += 1

        await asyncio.gather(*(worker() for _ in range(16)))
    return sent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phases", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    a_port, api_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "M2M_TUI_STATE_DIR": tmp}
        log = open(os.path.join(tmp, "authority.log"), "w")
        authority = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "m2m_tui",
                "serve",
                "--only",
                "authority",
                "--authority-port",
                str(a_port),
            ],
            stdout=log,
            env=env,
        )
        issuer = f"http://127.0.0.1:{a_port}/"
        api = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "m2m_tui",
                "serve",
                "--only",
                "api",
                "--issuer",
                issuer,
                "--api-port",
                str(api_port),
            ],
            stdout=subprocess.DEVNULL,
            env=env,
        )
        try:
            time.sleep(3)
            token = gift_token(issuer)
            url = f"http://127.0.0.1:{api_port}/api/directions?destination=Auth0%20Office"
            print(f"API RSS at start: {rss_mb(api.pid):.1f} MB")
            done = 0
            for _ in range(args.phases):
                out = subprocess.run(
                    [
                        "wrk",
                        "-t1",
                        "-c32",
                        f"-d{args.seconds}s",
                        "-H",
                        f"Authorization: Bearer {token}",
                        url,
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                count = int(re.search(r"(\d+) requests in", out).group(1))
                done += count
                print(
                    f"after {done:>9,} requests ({count / args.seconds:,.0f}/s): "
                    f"API RSS {rss_mb(api.pid):.1f} MB"
                )
            before = open(log.name).read().count("GET /.well-known/jwks.json")
            sent = asyncio.run(flood(url, token, 5.0))
            time.sleep(0.5)
            after = open(log.name).read().count("GET /.well-known/jwks.json")
            print(
                f"unknown-kid flood: {sent:,} requests in 5 s, {after - before} JWKS "
                "fetches at the authority (target ≤ 2)"
            )
        finally:
            for proc in (api, authority):
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=10)


if __name__ == "__main__":
    main()
