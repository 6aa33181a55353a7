"""DPoP calls against Bearer calls on the World Mappers API, measured side by side, and
the replay memory under a flood of unique proofs (issue 11).

    python bench/dpop.py [--seconds 3] [--rounds 3] [--connections 32] [--floods 4] [--one-core]

Each round runs wrk with a Bearer token, then at once with DPoP (RS256 proofs, then
ES256), so every DPoP figure has a Bearer figure measured beside it; the median of the
rounds' ratios is reported. The API checks proof signatures in its helper process (the
default); the same rounds then run against a server with `dpop_helper = false`, which checks
them on its event loop. Floods of unique proofs then fill the replay memory.

Needs `wrk` (Debian package). Proofs are made beforehand with PyJWT and cryptography
(a unique jti each, enough for the whole run), then sent by wrk from a file, so the
figure is the API's cost of checking them, not the load generator's cost of signing.
Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import jwt
from common import free_port, gift_token
from cryptography.hazmat.primitives.asymmetric import ec

HERE = Path(__file__).parent
PATH = "/api/directions?destination=Auth0%20Office"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def wrk(url, seconds, headers, script=None, env=None, connections=32, pin=()) -> tuple[float, int]:
    """Requests per second, and how many answers were not 2xx."""
    cmd = [*pin, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(
        [*cmd, url], capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, int(non2xx.group(1)) if non2xx else 0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Holder:
    """A client key and the proofs it signs (two threads sign them in parallel)."""

    def __init__(self, alg: str) -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.alg = alg
        if alg == "ES256":
            self.key = ec.generate_private_key(ec.SECP256R1())
        else:
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.jwk = json.loads(jwt.get_algorithm_by_name(alg).to_jwk(self.key.public_key()))

    def proof(self, method: str, target: str, token: str | None = None) -> str:
        claims = {"jti": str(uuid.uuid4()), "htm": method, "htu": target}
        claims["iat"] = int(time.time())
        if token:
            claims["ath"] = b64url(hashlib.sha256(token.encode()).digest())
        headers = {"typ": "dpop+jwt", "jwk": self.jwk}
        return jwt.encode(claims, self.key, algorithm=self.alg, headers=headers)

    def proofs(self, count: int, htu: str, token: str) -> list[str]:
        from concurrent.futures import ThreadPoolExecutor

        # Threads suffice: cryptography releases the GIL while it signs.
        with ThreadPoolExecutor(2) as pool:
            chunks = pool.map(_sign_chunk, [(self, count // 2 + 1, htu, token)] * 2)
            return [p for chunk in chunks for p in chunk]


def _sign_chunk(job) -> list[str]:
    holder, count, htu, token = job
    return [holder.proof("GET", htu, token) for _ in range(count)]


def bound_token(issuer: str, holder: Holder) -> str:
    request = urllib.request.Request(
        issuer + "oauth/token",
        data=(
            b"grant_type=client_credentials&client_id=giftdeliveries&client_secret="
            b"giftdeliveries-local-secret&audience=urn:worldmappers"
        ),
        headers={"DPoP": holder.proof("POST", issuer + "oauth/token")},
    )
    return json.load(urllib.request.urlopen(request))["access_token"]


@contextlib.contextmanager
def server(tmp: str, helper: bool, pin: tuple[str, ...] = ()):
    """The bundled servers on free ports, checking proofs in the helper process or on the
    event loop (`[server.api] dpop_helper`); yields the pid, the issuer and the API URL."""
    config = Path(tmp) / f"config-{helper}.toml"
    text = (HERE.parent / "config.toml").read_text()
    config.write_text(text.replace("dpop_helper = true", f"dpop_helper = {str(helper).lower()}"))
    authority, api, routes = free_port(), free_port(), free_port()
    process = subprocess.Popen(
        [*pin, sys.executable, "-m", "m2m_tui", "--config", str(config), "serve"]
        + ["--authority-port", str(authority), "--api-port", str(api)]
        + ["--routes-port", str(routes)]  # the Routes API too: never 7002
        # One hop: the proof's cost, not the Routes API behind directions (#49).
        + ["--directions-by", "local"],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "M2M_TUI_STATE_DIR": str(Path(tmp) / f"state-{helper}")},
    )
    try:
        time.sleep(3)
        yield process.pid, f"http://127.0.0.1:{authority}/", f"http://127.0.0.1:{api}{PATH}"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


class Run:
    """wrk against one server: Bearer calls, and DPoP calls with proofs signed just before."""

    def __init__(self, tmp: str, issuer: str, url: str, args) -> None:
        self.tmp, self.url, self.args = tmp, url, args
        pin = ("taskset", "-c", "1") if args.one_core else ()
        self.wrk_options = {"connections": args.connections, "pin": pin}
        self.bearer = gift_token(issuer)
        self.holders = {alg: Holder(alg) for alg in ("RS256", "ES256")}
        self.bound = {alg: bound_token(issuer, h) for alg, h in self.holders.items()}

    def bearer_rps(self) -> tuple[float, int]:
        headers = {"Authorization": f"Bearer {self.bearer}"}
        return wrk(self.url, self.args.seconds, headers, **self.wrk_options)

    def dpop_rps(self, alg: str, count: int, seconds: int) -> tuple[float, int, float]:
        started = time.perf_counter()
        proofs = Path(self.tmp) / "proofs.txt"
        signed = self.holders[alg].proofs(count, self.url.split("?")[0], self.bound[alg])
        proofs.write_text("\n".join(signed))
        made = time.perf_counter() - started
        env = {"PROOFS": str(proofs), "TOKEN": self.bound[alg]}
        script = HERE / "dpop_proofs.lua"
        rps, bad = wrk(self.url, seconds, {}, script, env, **self.wrk_options)
        return rps, bad, made


def pairs(run: Run, label: str, count: int) -> tuple[list[tuple], dict[str, list[float]]]:
    """`count` rounds of a Bearer run followed at once by a DPoP run per alg: each DPoP
    figure is compared with the Bearer figure measured just before it."""
    rows, ratios = [], {"RS256": [], "ES256": []}
    for n in range(count):
        bearer, bad = run.bearer_rps()
        rows.append((f"{label}: Bearer, round {n + 1}", bearer, bad, ""))
        # DPoP is slower than Bearer, so this many proofs are never all used: no replays.
        proofs = int(bearer * run.args.seconds) + 2000
        for alg in ratios:
            rps, bad, made = run.dpop_rps(alg, proofs, run.args.seconds)
            ratios[alg].append(rps / bearer)
            note = f"{rps / bearer:.2f}× Bearer; {proofs:,} proofs signed in {made:.0f} s"
            rows.append((f"{label}: DPoP {alg}, round {n + 1}", rps, bad, note))
    return rows, ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=3, help="each wrk run (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="Bearer/DPoP pairs (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (default 32)")
    parser.add_argument(
        "--floods", type=int, default=4, help="ES256 floods for the replay memory (default 4)"
    )
    parser.add_argument(
        "--one-core",
        action="store_true",
        help="the servers (and so the helper) on CPU 0 only, wrk on CPU 1 (taskset)",
    )
    args = parser.parse_args()
    pin = ("taskset", "-c", "0") if args.one_core else ()
    rows, rss, summary = [], [], {}
    with tempfile.TemporaryDirectory() as tmp:
        with server(tmp, helper=True, pin=pin) as (pid, issuer, url):
            run = Run(tmp, issuer, url, args)
            rss.append(rss_mb(pid))
            found, summary["helper"] = pairs(run, "helper", args.rounds)
            rows += found
            # Floods of unique proofs, past the replay memory's 300,000 jti, to show its
            # size stays flat once full. The rounds above added theirs too.
            rss.append(rss_mb(pid))
            for n in range(args.floods):
                rps, bad, _ = run.dpop_rps("ES256", 120_000, args.seconds * 2)
                rows.append((f"helper: flood {n + 1}, ES256", rps, bad, "for the memory only"))
                rss.append(rss_mb(pid))
        with server(tmp, helper=False, pin=pin) as (pid, issuer, url):
            run = Run(tmp, issuer, url, args)
            found, summary["on the loop"] = pairs(run, "on the loop", args.rounds)
            rows += found
    print(f"| run (wrk -t1 -c{args.connections} -d{args.seconds}s) | requests/s | non-2xx | |")
    print("|---|---|---|---|")
    for name, rps, bad, note in rows:
        print(f"| {name} | {rps:,.0f} | {bad} | {note} |")
    for label, ratios in summary.items():
        for alg, found in ratios.items():
            listed = ", ".join(f"{r:.2f}" for r in found)
            print(
                f"DPoP {alg} ÷ Bearer, {label}: median {statistics.median(found):.2f}× "
                f"({listed}; target ≥ 0.6×)"
            )
    print(
        "API RSS (MB) at the start, after the rounds, after each flood: "
        + ", ".join(f"{m:.0f}" for m in rss)
    )


if __name__ == "__main__":
    main()
