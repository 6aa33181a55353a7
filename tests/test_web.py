"""`m2m-tui web` in a real browser: Debian's Chromium driven by Playwright opens the page,
presses t, and reads the terminal's own text (the bytes textual-serve sends to xterm.js)
until the token has arrived."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import free_port
from tests.tui.conftest import write_config

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-B]|\x1b[=>]")

if CHROMIUM is None and os.environ.get("CI") != "true":
    # CI installs Chromium (.ci/run) and never skips this; a laptop may not have it.
    pytestmark = pytest.mark.skip(reason="no chromium: apt-get install chromium")


def screen_text(frames: list[bytes]) -> str:
    """What the browser's terminal was sent, escape sequences removed."""
    return ANSI.sub(b"", b"".join(frames)).decode("utf-8", "replace")


def wait_for(frames: list[bytes], text: str, page, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while text not in screen_text(frames):
        if time.monotonic() > deadline:
            tail = screen_text(frames)[-1500:]
            raise AssertionError(f"{text!r} never appeared in the browser; last: {tail!r}")
        page.wait_for_timeout(100)


def test_the_app_in_a_browser_gets_a_token(tmp_path, stack):
    assert CHROMIUM, "Chromium is missing: .ci/run installs it with apt-get install chromium"
    from playwright.sync_api import sync_playwright

    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "m2m_tui",
            "--config",
            str(tmp_path / "config.toml"),
            "--state-dir",
            str(tmp_path / "state"),
            "web",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert server.poll() is None, server.stdout.read().decode()
            assert time.monotonic() < deadline, "m2m-tui web did not listen"
            time.sleep(0.1)
        frames: list[bytes] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.on(
                    "websocket",
                    lambda ws: ws.on(
                        "framereceived",
                        lambda payload: frames.append(
                            payload if isinstance(payload, bytes) else b""
                        ),
                    ),
                )
                page.goto(f"http://127.0.0.1:{port}/")
                wait_for(frames, "Press t for a token", page)
                page.click(".textual-terminal")
                page.keyboard.press("t")
                wait_for(frames, "Token received", page)
                shown = screen_text(frames)
                assert "giftdeliveries@clients" in shown
                assert "giftdeliveries-local-secret" not in shown
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_web_refuses_arguments_without_the_separator_and_warns_beyond_loopback(tmp_path):
    from tests.conftest import run_cli

    wrong = run_cli(tmp_path, "web", "demo")
    assert wrong.returncode == 2 and "web -- demo" in wrong.stderr
    from m2m_tui.commands.web import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("0.0.0.0")
