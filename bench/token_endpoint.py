"""Token endpoint throughput, side by side (issue 8, targets 5 and 6).

    python bench/token_endpoint.py [--seconds 5] [--rounds 3] [--peers /tmp/peers]

In each round, one after the other on the same machine: raw RS256 signing with
`cryptography` (2048-bit key, one thread, for --seconds), our token endpoint
(`serve --only authority`, one worker process) and oauth2-mock-server, both
loaded by `wrk -t1 -c32` with the same client_credentials request. Prints each
round's ratios and their medians. Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import free_port

HERE = Path(__file__).resolve().parent


def raw_signing(seconds: float) -> float:
    """Signatures per second on one thread, as the issue's reference measures it."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    message = b"x" * 400  # about a token's header and claims
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(50):
            key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        done += 50
    return done / (time.perf_counter() - started)


def wrk(url: str, seconds: int) -> float:
    out = subprocess.run(
        ["wrk", "-t1", "-c32", f"-d{seconds}s", "-s", str(HERE / "token_post.lua"), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        print(f"warning: non-2xx answers from {url}:\n{out}", file=sys.stderr)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def wait_for(url: str) -> None:
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def one_round(seconds: int, peers: Path) -> dict[str, float]:
    ours_port, mock_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        ours = subprocess.Popen(
            [sys.executable, "-m", "m2m_tui", "serve", "--only", "authority"]
            + ["--authority-port", str(ours_port), "--state-dir", tmp],
            stdout=subprocess.DEVNULL,
        )
        mock = subprocess.Popen(
            ["node", str(peers / "mock-as.js")],
            env={**os.environ, "PORT": str(mock_port)},
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_for(f"http://127.0.0.1:{ours_port}/health")
            wait_for(f"http://127.0.0.1:{mock_port}/.well-known/openid-configuration")
            return {
                "raw RS256 signing, one thread": raw_signing(seconds),
                "ours, /oauth/token": wrk(f"http://127.0.0.1:{ours_port}/oauth/token", seconds),
                "oauth2-mock-server, /token": wrk(f"http://127.0.0.1:{mock_port}/token", seconds),
            }
        finally:
            for proc in (ours, mock):
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--peers", default="/tmp/peers")
    args = parser.parse_args()
    rounds = [one_round(args.seconds, Path(args.peers)) for _ in range(args.rounds)]
    print("| round | raw signing/s | ours tokens/s | mock tokens/s | ours ÷ raw | ours ÷ mock |")
    print("|---|---|---|---|---|---|")
    for i, r in enumerate(rounds, 1):
        raw, ours, mock = r.values()
        ratios = f"{ours / raw:.2f}× | {ours / mock:.2f}×"
        print(f"| {i} | {raw:,.0f} | {ours:,.0f} | {mock:,.0f} | {ratios} |")
    to_raw = statistics.median(list(r.values())[1] / list(r.values())[0] for r in rounds)
    to_mock = statistics.median(list(r.values())[1] / list(r.values())[2] for r in rounds)
    print(f"\n5. ours ÷ raw RS256 signing: median {to_raw:.2f}× (target ≥ 0.8×)")
    print(f"6. ours ÷ oauth2-mock-server: median {to_mock:.2f}× (target ≥ 1.1×)")


if __name__ == "__main__":
    main()
