"""The rule table's cost (issue 46): this commit's API beside the one before the rule book,
on one machine, in interleaved rounds.

    .venv/bin/python bench/rule_table.py [--rounds 3] [--seconds 4] [--before COMMIT]

The commit before the rule book (8e6f243^) is unpacked with `git archive` into a temporary
folder and its API run from there (`python -m api_server --only api`, with this venv);
both APIs trust one bundled authority, run from this commit, and verify the very same
token. Everything listens on free loopback ports and stops with the script.

Load: wrk (-t1 -c32) where it is installed, else a small keep-alive client in Python
(32 connections over asyncio), the same for both servers. Each API's rate is counted
two ways: requests per second of wall time, and requests per second of the API process's
own CPU time (from /proc), which stays comparable on a machine that other work loads.
Reported: a good token's rate new ÷ old (goal ≥ 1.0×), and on the new commit a refused
token's rate ÷ an accepted one's (goal ≥ 0.9×).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

from common import free_port, gift_token

REPO = Path(__file__).resolve().parents[1]
PATH = "/api/directions?destination=Auth0%20Office"
CONNECTIONS = 32


def unpack(commit: str, into: Path) -> Path:
    """The tree of `commit`, without touching any work tree or the repository's state."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def start(cwd: Path, state: Path, *args: str) -> subprocess.Popen:
    """`python -m api_server` from `cwd`, whose own api_server is the one imported."""
    env = {**os.environ, "PYTHONPATH": str(cwd), "M2M_TUI_STATE_DIR": str(state)}
    return subprocess.Popen(
        [sys.executable, "-m", "api_server", "--state-dir", str(state), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def with_wrk(port: int, token: str, seconds: float) -> int:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{seconds:g}s",
            "-H",
            f"Authorization: Bearer {token}",
            f"http://127.0.0.1:{port}{PATH}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(re.search(r"(\d+) requests in", out).group(1))


async def _client(port: int, request: bytes, deadline: float, expect: bytes) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    done = 0
    try:
        while time.monotonic() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(expect):
                raise SystemExit(f"expected {expect!r}, got {head[:40]!r}")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
            await reader.readexactly(length)
            done += 1
    finally:
        writer.close()
    return done


def with_python(port: int, token: str, seconds: float, expect: bytes) -> int:
    request = (
        f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()

    async def load() -> int:
        deadline = time.monotonic() + seconds
        counts = await asyncio.gather(
            *(_client(port, request, deadline, expect) for _ in range(CONNECTIONS))
        )
        return sum(counts)

    return asyncio.run(load())


def measure(pid: int, port: int, token: str, seconds: float, good: bool) -> tuple[float, float]:
    """(requests per wall second, requests per second of the API's CPU)."""
    cpu, wall = cpu_seconds(pid), time.monotonic()
    if shutil.which("wrk"):
        done = with_wrk(port, token, seconds)
    else:
        done = with_python(port, token, seconds, b"HTTP/1.1 200" if good else b"HTTP/1.1 401")
    cpu, wall = cpu_seconds(pid) - cpu, time.monotonic() - wall
    return done / wall, done / cpu if cpu else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--before", default="8e6f243^", help="the commit before the rule book")
    args = parser.parse_args()
    before = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", args.before],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    here = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    procs: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as tmp:
        old_tree = unpack(args.before, Path(tmp) / "old")
        authority, new_api, old_api = free_port(), free_port(), free_port()
        issuer = f"http://127.0.0.1:{authority}/"
        try:
            port_args = ("--authority-port", str(authority))
            procs.append(start(REPO, Path(tmp) / "a", "--only", "authority", *port_args))
            wait_up(issuer + ".well-known/openid-configuration")
            apis = {}
            for name, tree, port in (("new", REPO, new_api), ("old", old_tree, old_api)):
                proc = start(
                    tree, Path(tmp) / name, "--only", "api", "--issuer", issuer,
                    "--api-port", str(port),
                )  # fmt: skip
                procs.append(proc)
                apis[name] = (proc.pid, port)
            token = gift_token(issuer)
            head, payload, _ = token.split(".")
            forged = f"{head}.{payload}.{'A' * 342}"  # a bad signature
            for _, port in apis.values():
                wait_up(f"http://127.0.0.1:{port}/health")
                for sent in (token, forged):  # warm: places loaded, token judged once
                    with_python(port, sent, 0.5, b"HTTP/1.1")
            results: dict[tuple[str, str], list[tuple[float, float]]] = {}
            for _ in range(args.rounds):  # interleaved: a load that comes and goes hits both
                for case, sent in (("good", token), ("bad", forged)):
                    for name, (pid, port) in apis.items():
                        rates = measure(pid, port, sent, args.seconds, case == "good")
                        results.setdefault((name, case), []).append(rates)
        finally:
            for proc in procs:
                os.killpg(proc.pid, signal.SIGTERM)
            for proc in procs:
                proc.wait(timeout=15)
    tool = "wrk -t1 -c32" if shutil.which("wrk") else f"Python keep-alive client, {CONNECTIONS}"
    print(f"new = {here}, old = {before} (the commit before the rule book); load: {tool}")
    print(f"{args.rounds} interleaved rounds of {args.seconds:g} s; medians\n")
    print("| API | token | requests/s (wall) | requests per CPU-second of the API |")
    print("|---|---|---|---|")
    median = {}
    for (name, case), runs in sorted(results.items(), reverse=True):
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        median[name, case] = (wall, cpu)
        print(f"| {name} | {case} | {wall:,.0f} | {cpu:,.0f} |")
    for label, (a, b), goal in (
        ("good token, new ÷ old", (("new", "good"), ("old", "good")), 1.0),
        ("new: refusal ÷ acceptance", (("new", "bad"), ("new", "good")), 0.9),
        ("old: refusal ÷ acceptance", (("old", "bad"), ("old", "good")), None),
    ):
        wall = median[a][0] / median[b][0]
        cpu = median[a][1] / median[b][1]
        target = f" (goal ≥ {goal:.1f}×)" if goal else ""
        print(f"\n{label}: {wall:.2f}× by wall time, {cpu:.2f}× by the API's CPU time{target}")


if __name__ == "__main__":
    main()
