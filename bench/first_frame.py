"""The app's first frame against a bare Textual app's, side by side (issue 35): from
launch until the frame is on a real terminal's screen, imports and all.

    .venv/bin/python bench/first_frame.py [--runs 9]

Each program runs in a fresh tmux session (120×40) and is timed until its footer's
`^p palette` (every Textual app draws it in its first frame) is on the screen
(capture-pane, polled every 5 ms). The runs alternate between the programs, so a
machine that slows down slows both alike; the medians and their ratio are printed.

- bare: a Header, a Static and a Footer, nothing else;
- m2m-tui with the bundled servers already running (on their own ports);
- m2m-tui on a first launch: no server, a new state folder (it starts `serve` itself).

Target: m2m-tui's first frame within 1.3× the bare app's.
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

from common import free_port  # noqa: E402 - bench/ is the working folder
from first_screen import time_to  # noqa: E402

BARE = """\
from textual.app import App
from textual.widgets import Footer, Header, Static


class Bare(App):
    def compose(self):
        yield Header()
        yield Static("Press t for a token")
        yield Footer()


Bare().run()
"""
MARKER = "palette"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("needs tmux (apt-get install tmux)")
    py = shlex.quote(sys.executable)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        bare = tmp_path / "bare.py"
        bare.write_text(BARE)
        repo = Path(__file__).resolve().parent.parent / "config.toml"
        authority, api, routes = free_port(), free_port(), free_port()
        text = repo.read_text().replace(":7000", f":{authority}").replace(":7001", f":{api}")
        text = text.replace(":7002", f":{routes}")
        text = text.replace("authority_port = 7000", f"authority_port = {authority}")
        text = text.replace("api_port = 7001", f"api_port = {api}")
        text = text.replace("routes_port = 7002", f"routes_port = {routes}")  # never 7002
        config = tmp_path / "config.toml"
        config.write_text(text)
        cfg = f"--config {shlex.quote(str(config))}"
        running_state = tmp_path / "running"
        server = subprocess.Popen(
            [sys.executable, "-m", "m2m_tui", "--config", str(config), "serve"],
            stdout=subprocess.DEVNULL,
            env={**os.environ, "M2M_TUI_STATE_DIR": str(running_state)},
        )
        time.sleep(3)
        times: dict[str, list[float]] = {"bare": [], "running": []}
        try:
            for _ in range(args.runs):
                times["bare"].append(time_to(f"{py} {shlex.quote(str(bare))}", MARKER)[0])
                state = shlex.quote(str(running_state))
                command = f"M2M_TUI_STATE_DIR={state} {py} -m m2m_tui {cfg}"
                times["running"].append(time_to(command, MARKER)[0])
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
        times["first launch"] = []
        times["bare, again"] = []
        for n in range(args.runs):
            times["bare, again"].append(time_to(f"{py} {shlex.quote(str(bare))}", MARKER)[0])
            state = shlex.quote(str(tmp_path / f"fresh-{n}"))
            command = f"M2M_TUI_STATE_DIR={state} {py} -m m2m_tui {cfg}"
            times["first launch"].append(time_to(command, MARKER)[0])
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"| first frame, median of {args.runs} | ms | ÷ bare (same rounds) |")
    print("|---|---|---|")
    print(f"| bare Textual app (Header, Static, Footer) | {med['bare']:.0f} | 1.00× |")
    print(
        f"| m2m-tui, servers already running | {med['running']:.0f} "
        f"| {med['running'] / med['bare']:.2f}× |"
    )
    print(
        f"| m2m-tui, first launch (starts the server) | {med['first launch']:.0f} "
        f"| {med['first launch'] / med['bare, again']:.2f}× |"
    )
    print(f"\ntarget: ≤ 1.30× (bare, second rounds: {med['bare, again']:.0f} ms)")


if __name__ == "__main__":
    main()
