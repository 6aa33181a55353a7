"""`m2m-tui web`: only the printed URL drives the app (per-launch token, Host and Origin
checks), and in a real browser (Debian's Chromium driven by Playwright) that URL opens
the page, presses t, and reads the terminal's own text (the bytes textual-serve sends to
xterm.js) until the token has arrived."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import free_port
from tests.helpers.processes import spawn
from tests.helpers.sessions import write_config
from tests.helpers.waiting import PATIENCE, wait_until

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-B]|\x1b[=>]")

# CI installs Chromium (.ci/run) and never skips the browser test; a laptop may not have it.
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI") != "true",
    reason="no chromium: apt-get install chromium",
)


def screen_text(frames: list[bytes]) -> str:
    """What the browser's terminal was sent, escape sequences removed."""
    return ANSI.sub(b"", b"".join(frames)).decode("utf-8", "replace")


def wait_for(frames: list[bytes], text: str, page, seconds: float = PATIENCE) -> None:
    """Until `text` is on the browser's screen; `seconds` is the suite's safety net (a
    loaded machine starts the app, its servers and Chromium slowly), never a bound."""
    deadline = time.monotonic() + seconds
    while text not in screen_text(frames):
        if time.monotonic() > deadline:
            tail = screen_text(frames)[-1500:]
            raise AssertionError(f"{text!r} never appeared in the browser; last: {tail!r}")
        page.wait_for_timeout(100)


class WebServer:
    """`m2m-tui web` as a process on a free port, and the URL it printed."""

    def __init__(self, tmp_path, issuer: str, api_url: str, *extra: str) -> None:
        write_config(tmp_path / "config.toml", issuer, api_url)
        self.port = free_port()
        self.process = spawn(
            [sys.executable, "-m", "m2m_tui", "--config", str(tmp_path / "config.toml")]
            + ["--state-dir", str(tmp_path / "state"), "web", "--port", str(self.port), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with self.process.stopped_on_error():
            line = self.process.stdout.readline()  # printed once the server listens
            assert line.startswith("m2m-tui web: open "), line + self.process.stderr.read()
        self.url = line.split("open ", 1)[1].strip()
        self.base = f"http://127.0.0.1:{self.port}"
        self.token = parse_qs(urlsplit(self.url).query).get("token", [None])[0]
        self.cookie = f"m2m-tui-web-{self.port}"

    def sessions(self) -> int:
        """How many app processes the server runs (one per accepted socket)."""
        pid = self.process.pid
        return len(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())

    def stop(self) -> str:
        self.process.stop(grace=15)  # TERM: web ends its apps itself
        return self.process.stderr.read()


@pytest.fixture
def web(tmp_path, shared_stack):
    server = WebServer(tmp_path, shared_stack.issuer, shared_stack.api_url)
    yield server
    server.stop()


def upgrade(port: int, headers: dict[str, str], path: str = "/ws") -> int:
    """The status a WebSocket upgrade gets, headers exactly as given (no defaults)."""
    lines = [f"GET {path} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines += [
        "Connection: Upgrade",
        "Upgrade: websocket",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    ]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status = sock.recv(4096).split(b"\r\n", 1)[0]
    return int(status.split()[1])


def test_the_printed_url_carries_a_fresh_token_of_at_least_128_bits(web):
    assert web.url.startswith(f"http://127.0.0.1:{web.port}/?token=")
    assert len(base64.urlsafe_b64decode(web.token + "=" * (-len(web.token) % 4))) >= 16


def test_without_the_token_the_page_is_refused_and_says_where_the_url_is(web):
    refused = httpx.get(web.base + "/")
    assert refused.status_code == 403
    assert "printed in its terminal" in refused.text and "?token=" in refused.text
    wrong = httpx.get(web.base + "/", params={"token": "guessed"})
    assert wrong.status_code == 403
    assert httpx.get(web.base + "/static/js/textual.js").status_code == 403


def test_the_token_becomes_a_strict_http_only_cookie(web):
    first = httpx.get(web.url)
    assert first.status_code == 303 and first.headers["location"] == "/"
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"{web.cookie}={web.token};")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= flags
    page = httpx.get(web.base + "/", cookies={web.cookie: web.token})
    assert page.status_code == 200 and f"ws://127.0.0.1:{web.port}/ws" in page.text
    # The page's own URLs follow the name the browser used: cookies are per host name.
    by_name = httpx.get(f"http://localhost:{web.port}/", cookies={web.cookie: web.token})
    assert by_name.status_code == 200 and f"ws://localhost:{web.port}/ws" in by_name.text


def test_a_foreign_host_is_refused_even_with_the_token(web):
    rebound = httpx.get(web.url, headers={"Host": f"evil.example:{web.port}"})
    assert rebound.status_code == 403 and "answers only to the names" in rebound.text
    for host in (f"127.0.0.1:{web.port}", f"localhost:{web.port}"):
        assert httpx.get(web.url, headers={"Host": host}).status_code == 303


def test_a_socket_from_a_foreign_origin_or_none_is_refused_before_any_session(web):
    own = f"http://127.0.0.1:{web.port}"
    cookie = {"Cookie": f"{web.cookie}={web.token}"}
    host = {"Host": f"127.0.0.1:{web.port}"}
    for origin in ("https://evil.example", f"http://evil.example:{web.port}", "null"):
        assert upgrade(web.port, {**host, **cookie, "Origin": origin}) == 403
    assert upgrade(web.port, {**host, **cookie}) == 403  # browsers always send one
    assert upgrade(web.port, {**host, "Origin": own}) == 403  # no token
    rebound = {
        "Host": f"evil.example:{web.port}",
        **cookie,
        "Origin": f"http://evil.example:{web.port}",
    }
    assert upgrade(web.port, rebound) == 403
    # The page's own origin (or its loopback alias) with the cookie gets the app: one
    # app, that one, however many refused sockets came before it.
    alias = {"Host": f"localhost:{web.port}", **cookie, "Origin": f"http://localhost:{web.port}"}
    assert upgrade(web.port, alias) == 101
    wait_until(lambda: web.sessions() >= 1, "the accepted socket's app")
    assert web.sessions() == 1, "a refused socket started an app"


def test_no_token_serves_loopback_only_and_warns(tmp_path, shared_stack):
    server = WebServer(tmp_path, shared_stack.issuer, shared_stack.api_url, "--no-token")
    try:
        assert server.token is None and server.url == f"http://127.0.0.1:{server.port}/"
        assert httpx.get(server.base + "/").status_code == 200
        assert httpx.get(server.base + "/", headers={"Host": "evil.example"}).status_code == 403
        assert (
            upgrade(
                server.port, {"Host": f"127.0.0.1:{server.port}", "Origin": "https://evil.example"}
            )
            == 403
        )
    finally:
        warned = server.stop()
    assert "WARNING: --no-token" in warned
    from tests.conftest import run_cli

    beyond = run_cli(tmp_path, "web", "--host", "0.0.0.0", "--no-token")
    assert beyond.returncode == 2 and "--no-token works only on loopback" in beyond.stderr


@contextlib.contextmanager
def chromium(frames: list[bytes]):
    """Chromium, headless, and a page whose terminal frames land in `frames`."""
    assert CHROMIUM, "Chromium is missing: .ci/run installs it with apt-get install chromium"
    from playwright.sync_api import sync_playwright

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
                    lambda payload: frames.append(payload if isinstance(payload, bytes) else b""),
                ),
            )
            yield browser, page
        finally:
            browser.close()


@pytest.mark.slow
@needs_chromium
def test_web_dash_dash_demo_serves_the_guided_demo(tmp_path, shared_stack):
    """`m2m-tui web -- demo`: the demo, for a projector, in the browser."""
    server = WebServer(tmp_path, shared_stack.issuer, shared_stack.api_url, "--", "demo")
    frames: list[bytes] = []
    try:
        with chromium(frames) as (_, page):
            page.goto(server.url)
            wait_for(frames, "Gift Deliveries and the World Mappers API", page)
            # The presenter's keys, which the app alone does not have.
            wait_for(frames, "space Next", page)
            assert "r Restart" in screen_text(frames)
    finally:
        server.stop()


@pytest.mark.slow
@needs_chromium
def test_the_app_in_a_browser_gets_a_token(web):
    frames: list[bytes] = []
    with chromium(frames) as (browser, page):
        page.goto(web.url)  # the URL `m2m-tui web` printed
        assert "token=" not in page.url, "the token stays out of the address bar"
        wait_for(frames, "Press t for a token", page)
        page.click(".textual-terminal")
        page.keyboard.press("t")
        wait_for(frames, "Token received", page)
        shown = screen_text(frames)
        assert "giftdeliveries@clients" in shown
        assert "giftdeliveries-local-secret" not in shown
        # Another page in the same browser, without the URL, gets nothing.
        other = browser.new_page()
        other.goto(web.base + "/")
        assert "403 Forbidden" in other.content()


def test_web_refuses_arguments_without_the_separator_and_warns_beyond_loopback(tmp_path):
    from tests.conftest import run_cli

    wrong = run_cli(tmp_path, "web", "demo")
    assert wrong.returncode == 2 and "web -- demo" in wrong.stderr
    from m2m_tui.commands.web.guard import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("0.0.0.0")


def test_a_wildcard_bind_prints_a_name_and_still_answers_loopback_names():
    from m2m_tui.commands.web.guard import Guard

    guard = Guard.for_bind("0.0.0.0", 7010, "t", ("wm.lan",))
    assert {"wm.lan", "127.0.0.1", "localhost"} <= guard.hosts
    assert "0.0.0.0" not in guard.hosts and "evil.example" not in guard.hosts
    assert "http://wm.lan:7010" in guard.origins and "http://evil.example:7010" not in guard.origins


def app_processes(tmp_path, web: WebServer) -> list[int]:
    """Every live process of this launch but `web` itself: the apps it started, and any
    that outlived it (re-parented to init)."""
    marker = str(tmp_path / "state")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == web.process.pid:
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # gone meanwhile
        if marker in command and "m2m_tui" in command:
            found.append(int(entry.name))
    return found


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("open_for", [0.2, 1.0, 5.0])
def test_a_tab_closed_at_any_moment_ends_its_app(tmp_path, web, open_for):
    with chromium([]) as (_, page):
        page.goto(web.url)
        # The page's socket has its app process: the tab closes that long after it started
        # (at 0.2 s it is still starting; at 5 s it is up).
        wait_until(lambda: app_processes(tmp_path, web), "the tab's app to start")
        page.wait_for_timeout(open_for * 1000)
        page.close()
    # Ended, and reaped by web (a zombie would still be its child).
    wait_until(
        lambda: not app_processes(tmp_path, web) and web.sessions() == 0,
        "the closed tab's app to end",
    )
    web.stop()
    assert app_processes(tmp_path, web) == []  # and nothing outlived web


@pytest.mark.slow
@needs_chromium
def test_stopping_web_ends_the_apps_of_open_tabs(tmp_path, web):
    frames: list[bytes] = []
    with chromium(frames) as (_, page):
        page.goto(web.url)
        wait_for(frames, "Press t for a token", page)
        assert len(app_processes(tmp_path, web)) == 1
        web.stop()  # SIGTERM, the tab still open
        assert web.process.returncode == 0
        assert app_processes(tmp_path, web) == []


def test_a_port_in_use_is_said_before_any_url_is_printed(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "m2m_tui", "--config", str(tmp_path / "config.toml")]
            + ["web", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"cannot serve on 127.0.0.1:{port}" in result.stderr
    assert "address already in use" in result.stderr.lower()
    assert "open http" not in result.stdout + result.stderr  # no URL that cannot work


def test_the_token_reaches_no_log_and_the_page_asks_no_one_for_fonts(web):
    page = httpx.get(web.url, follow_redirects=True)  # the token, then its cookie
    assert page.status_code == 200
    assert "fonts.googleapis.com" not in page.text
    assert "/static/fonts/RobotoMono-VariableFont_wght.ttf" in page.text
    font = httpx.get(
        web.base + "/static/fonts/RobotoMono-VariableFont_wght.ttf",
        cookies={web.cookie: web.token},
    )
    assert font.status_code == 200 and len(font.content) > 10_000
    said = web.stop() + web.process.stdout.read()
    assert "GET /" in said  # the access log is there...
    assert web.token not in said  # ...without the token


def test_without_port_web_serves_on_the_configs_web_port(tmp_path):
    """All the bundled ports are [server] settings: web's default is web_port there (a
    port held here, so that the attempt shows which port was tried, and nothing runs)."""
    config = write_config(tmp_path / "config.toml", "http://127.0.0.1:9/", None)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        config.write_text(config.read_text() + f"\n[server]\nweb_port = {port}\n")
        result = subprocess.run(
            [sys.executable, "-m", "m2m_tui", "--config", str(config)]
            + ["--state-dir", str(tmp_path / "state"), "web"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"cannot serve on 127.0.0.1:{port}" in result.stderr
    (tmp_path / "config.toml").write_text("[server]\nweb_port = 'x'\n")
    bad = subprocess.run(
        [sys.executable, "-m", "m2m_tui", "--config", str(config), "web"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "web_port" in bad.stderr and "Traceback" not in bad.stderr
