"""Time to the first useful screen, in a real terminal: m2m-tui beside Posting and
Harlequin, the Textual apps people already run (issue 14, part 1).

    python bench/first_screen.py [--runs 5] [--posting /tmp/posting-venv/bin/posting]
                                 [--harlequin /tmp/harlequin-venv/bin/harlequin]

Each program is launched in a fresh tmux session (120×40) and timed from launch until a
marker text is on the screen (tmux capture-pane, polled every 5 ms); the median of
`--runs`. The peers are Posting 2.11.1 (an empty collection; tree-sitter 0.25.2 beside
it) and Harlequin 2.17.0 (its default in-memory database), each in its own virtual
environment, and are skipped when not installed.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import free_port

SESSION = "m2m-first-screen"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def time_to(
    command: str, marker: str, keys: str | None = None, then: str | None = None, timeout: float = 30
) -> tuple[float, float | None]:
    """(ms until `marker` shows, ms until `then` shows after pressing `keys`)."""
    tmux("kill-session", "-t", SESSION)
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", command)
    first = later = None
    try:
        while time.perf_counter() - start < timeout:
            if marker in tmux("capture-pane", "-p", "-t", SESSION):
                first = (time.perf_counter() - start) * 1000
                break
            time.sleep(0.005)
        if first is not None and keys:
            tmux("send-keys", "-t", SESSION, keys)
            while time.perf_counter() - start < timeout:
                if then in tmux("capture-pane", "-p", "-t", SESSION):
                    later = (time.perf_counter() - start) * 1000
                    break
                time.sleep(0.005)
    finally:
        tmux("kill-session", "-t", SESSION)
    if first is None:
        raise SystemExit(f"{command!r}: {marker!r} never appeared")
    time.sleep(0.3)  # let the killed program (and any server it started) go
    return first, later


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--posting", default="/tmp/posting-venv/bin/posting")
    parser.add_argument("--harlequin", default="/tmp/harlequin-venv/bin/harlequin")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("needs tmux (apt-get install tmux)")
    py = shlex.quote(sys.executable)
    rows: dict[str, tuple[float, float | None]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env_prefix = f"M2M_TUI_STATE_DIR={shlex.quote(tmp)} "
        # The bundled servers already running, on their own ports, for the first case.
        config = tmp_path / "config.toml"
        repo = Path(__file__).resolve().parent.parent / "config.toml"
        authority, api, routes = free_port(), free_port(), free_port()
        text = repo.read_text().replace(":7000", f":{authority}").replace(":7001", f":{api}")
        text = text.replace(":7002", f":{routes}")
        text = text.replace("authority_port = 7000", f"authority_port = {authority}")
        text = text.replace("api_port = 7001", f"api_port = {api}")
        text = text.replace("routes_port = 7002", f"routes_port = {routes}")  # never 7002
        config.write_text(text)
        cfg = f"--config {shlex.quote(str(config))}"
        server = subprocess.Popen(
            [sys.executable, "-m", "m2m_tui", "--config", str(config), "serve"],
            stdout=subprocess.DEVNULL,
            env={**os.environ, "M2M_TUI_STATE_DIR": tmp},
        )
        time.sleep(3)
        running, with_token = [], []
        for _ in range(args.runs):
            first, token = time_to(
                f"{env_prefix}{py} -m m2m_tui {cfg}", "Press t for a token", "t", "Token received"
            )
            running.append(first)
            with_token.append(token)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        rows["m2m-tui, bundled server already running"] = (median(running), median(with_token))
        for label, fresh in (("its tenant made before", False), ("a new tenant", True)):
            starting = []
            for n in range(args.runs):
                # The app starts `serve` itself: on the tenant of an earlier launch (the
                # usual case), or on a new one, whose signing keys are generated first.
                name = f"fresh-{n}" if fresh else "kept"
                state = shlex.quote(str(tmp_path / name))
                first, _ = time_to(
                    f"M2M_TUI_STATE_DIR={state} {py} -m m2m_tui {cfg}",
                    "Started the bundled server",
                )
                starting.append(first)
            rows[f"m2m-tui, starting the server itself ({label})"] = (median(starting), None)
        if Path(args.posting).exists():
            collection = tmp_path / "collection"
            collection.mkdir()
            times = [
                time_to(f"{args.posting} --collection {collection}", "Send")[0]
                for _ in range(args.runs)
            ]
            rows["Posting 2.11.1"] = (median(times), None)
        if Path(args.harlequin).exists():
            times = [time_to(args.harlequin, "Query Editor")[0] for _ in range(args.runs)]
            rows["Harlequin 2.17.0"] = (median(times), None)
    print(
        f"| app | first useful screen, median of {args.runs} (ms) | through t to the token (ms) |"
    )
    print("|---|---|---|")
    for name, (first, token) in rows.items():
        print(f"| {name} | {first:.0f} | {'' if token is None else f'{token:.0f}'} |")
    peers = [v[0] for k, v in rows.items() if not k.startswith("m2m-tui")]
    if peers:
        fastest = min(peers)
        ours = rows["m2m-tui, bundled server already running"][0]
        start = rows["m2m-tui, starting the server itself (its tenant made before)"][0]
        print(f"\nserver running ÷ the faster peer: {ours / fastest:.2f}× (target ≤ 0.5×)")
        print(f"starting the server ÷ the faster peer: {start / fastest:.2f}× (target ≤ 0.8×)")


if __name__ == "__main__":
    main()
