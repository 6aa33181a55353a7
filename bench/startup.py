"""Start-up cost of the CLI, as ratios against a bare `python -c pass` in the same run.

    python bench/startup.py [--runs 30]

It starts the bundled authority on a free port in a temporary state directory (so the
`token` case has a warm cache), then times each command's median wall time.
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

ROOT = Path(__file__).resolve().parent.parent


def median_ms(cmd: list[str], runs: int, env: dict) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False
        )
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "M2M_TUI_STATE_DIR": tmp}
        server = subprocess.Popen(
            [py, "-m", "m2m_tui", "serve", "--only", "authority", "--authority-port", "0"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        issuer = None
        for line in server.stdout:
            if m := re.match(r"Authorization server: (\S+)", line):
                issuer = m.group(1)
            if line.startswith("State:"):
                break
        config = Path(tmp) / "config.toml"
        config.write_text(
            f'[profiles.local]\nissuer = "{issuer}"\nclient_id = "giftdeliveries"\n'
            'client_secret = "giftdeliveries-local-secret"\naudience = "urn:worldmappers"\n'
        )
        env["M2M_TUI_CONFIG"] = str(config)
        token = subprocess.run(
            [py, "-m", "m2m_tui", "token"], capture_output=True, text=True, env=env
        ).stdout.strip()
        cases = {
            "python -c pass": [py, "-c", "pass"],
            "m2m-tui --version": [py, "-m", "m2m_tui", "--version"],
            "m2m-tui decode TOKEN": [py, "-m", "m2m_tui", "decode", token],
            "m2m-tui token (warm cache)": [py, "-m", "m2m_tui", "token"],
        }
        results = {name: median_ms(cmd, runs, env) for name, cmd in cases.items()}
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    base = results["python -c pass"]
    print(f"| command | median ms ({runs} runs) | ÷ python -c pass |")
    print("|---|---|---|")
    for name, ms in results.items():
        print(f"| `{name}` | {ms:.1f} | {ms / base:.2f}× |")


if __name__ == "__main__":
    main()
