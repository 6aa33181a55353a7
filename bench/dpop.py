"""DPoP calls against Bearer calls on the World Mappers API, measured side by side, and
the replay memory under a flood of unique proofs (issue 11).

    python bench/dpop.py [--seconds 5]

Needs `wrk` (Debian package). Proofs are made beforehand with PyJWT and cryptography
(a unique jti each, enough for the whole run), then sent by wrk from a file, so the
figure is the API's cost of checking them, not the load generator's cost of signing.
Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import signal
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


def wrk(url: str, seconds: int, headers: dict[str, str], script: Path | None = None, env=None):
    cmd = ["wrk", "-t1", "-c32", f"-d{seconds}s"]
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=3)
    args = parser.parse_args()
    authority, api = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "M2M_TUI_STATE_DIR": tmp}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "m2m_tui",
                "serve",
                "--authority-port",
                str(authority),
                "--api-port",
                str(api),
            ],
            stdout=subprocess.DEVNULL,
            env=env,
        )
        rows = []
        try:
            time.sleep(3)
            issuer = f"http://127.0.0.1:{authority}/"
            url = f"http://127.0.0.1:{api}{PATH}"
            htu = url.split("?")[0]
            bearer = gift_token(issuer)
            bearer_rps, bearer_bad = wrk(url, args.seconds, {"Authorization": f"Bearer {bearer}"})
            rows.append(("Bearer token", bearer_rps, bearer_bad, ""))
            rss = [rss_mb(server.pid)]
            # RS256 first, ES256 after: three floods of unique proofs in all, enough to
            # fill the replay memory (100,000 jti) and show it stays flat once full.
            for alg, rounds in (("RS256", 1), ("ES256", 2)):
                holder = Holder(alg)
                bound = bound_token(issuer, holder)
                for n in range(rounds):
                    count = int(bearer_rps * args.seconds * 1.3) + 1000
                    started = time.perf_counter()
                    proofs = Path(tmp) / "proofs.txt"
                    proofs.write_text("\n".join(holder.proofs(count, htu, bound)))
                    made = time.perf_counter() - started
                    rps, bad = wrk(
                        url,
                        args.seconds,
                        {},
                        HERE / "dpop_proofs.lua",
                        {"PROOFS": str(proofs), "TOKEN": bound},
                    )
                    note = f"{count:,} proofs signed beforehand in {made:.0f} s"
                    rows.append((f"DPoP, {alg} proofs, round {n + 1}", rps, bad, note))
                    rss.append(rss_mb(server.pid))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
    print(f"| case | requests/s (wrk -t1 -c32 -d{args.seconds}s) | non-2xx | note |")
    print("|---|---|---|---|")
    for name, rps, bad, note in rows:
        print(f"| {name} | {rps:,.0f} | {bad} | {note} |")
    for alg in ("RS256", "ES256"):
        best = max(r[1] for r in rows if f" {alg} " in r[0])
        print(f"DPoP ({alg} proofs) ÷ Bearer: {best / bearer_rps:.2f}× (target ≥ 0.6×)")
    print(
        "server RSS (MB), before the floods and after each: " + ", ".join(f"{m:.0f}" for m in rss)
    )


if __name__ == "__main__":
    main()
