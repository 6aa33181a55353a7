"""The Token tab: requests, the cache, errors with hints, cancelling, prompted secrets."""

from __future__ import annotations

import asyncio
import os
import re
import time

import pytest
from textual.widgets import Input

from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.history_list import HistoryList
from m2m_tui.tui.screens import SecretPrompt
from m2m_tui.tui.token_tab import TokenTab
from tests.helpers.actions import deployed
from tests.helpers.sessions import make_session
from tests.helpers.tui import settle, text_of
from tests.helpers.waiting import wait_until_async


async def test_token_key_requests_a_token_and_shows_the_exchange_masked(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")  # perhaps before the tabs are there: then it is held
        await app.loaded.wait()
        # The events this test is about, not a quiet screen: the token shown, and its scopes
        # drawn against the API's offer (the OpenAPI document may come after the token).
        await wait_until_async(
            lambda: "Token received" in text_of(app.query_one("#token-view")),
            "the token shown",
            step=pilot.pause,
        )
        inspected = lambda: text_of(app.query_one("#inspection"))  # noqa: E731
        await wait_until_async(
            lambda: (
                "1 granted · 2 not granted" in inspected()
                and "✓ signature verified with key" in inspected()
            ),
            "the token's scopes against the API's, and its signature checked",
            step=pilot.pause,
        )
        shown = text_of(app.query_one("#token-view"))
        assert "Token received" in shown and "new, in" in shown
        assert "POST " + session.profile.issuer + "oauth/token" in shown
        assert '"client_secret": "••••••"' in shown
        assert "giftdeliveries-local-secret" not in shown
        assert session.token and session.token not in shown
        assert "← 200" in shown
        # The inspector was filled from the new token.
        inspector = text_of(app.query_one("#inspection"))
        assert (
            "client giftdeliveries — the @clients suffix marks a machine-to-machine token"
            in inspector
        )
        # The countdown is the Inspector's header line; the claims table gives the date.
        assert "expires in 23 h 59 m" in text_of(app.query_one("#expiry"))
        assert "expires: 20" in inspector and "UTC" in inspector
        assert "✓ signature verified with key" in inspector
        # Scopes against what the API offers (its OpenAPI document).
        assert "✓ directions" in inspector and "✗ geocode:location" in inspector
        assert "1 granted · 2 not granted" in inspector


async def test_a_token_inspected_before_the_api_loaded_is_shown_again_against_its_scopes(
    session,
):
    """On a slow machine the token can arrive before the API's OpenAPI document: the
    Inspector first shows its scopes against no offer, then against the API's."""
    gate = asyncio.Event()
    load = session.catalog.load

    async def slow_load(base, client):
        await gate.wait()
        await load(base, client)

    session.catalog.load = slow_load
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.loaded.wait()
        await pilot.press("t")
        await wait_until_async(lambda: app.inspector.inspection is not None, "the token inspected")
        await pilot.pause()
        assert "geocode:location" not in text_of(app.query_one("#inspection"))
        gate.set()
        await settle(pilot)
        inspector = text_of(app.query_one("#inspection"))
        assert "✓ directions" in inspector and "✗ geocode:location" in inspector


async def test_second_token_comes_from_the_cache_and_n_forces_a_new_one(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await settle(pilot)
        first = session.token
        await pilot.press("t")
        await settle(pilot)
        assert session.token == first
        assert "from the cache" in text_of(app.query_one("#token-view"))
        await pilot.press("n")
        await settle(pilot)
        assert session.token != first
        assert "new, in" in text_of(app.query_one("#token-view"))
        history = app.query_one("#history-table", HistoryList)
        assert history.row_count == 3
        assert [e.status for e in session.history] == ["200", "cached", "200"]


async def test_token_errors_show_error_description_and_a_hint(tmp_path, stack):
    bad = make_session(
        tmp_path,
        stack.issuer,
        stack.api_url,
        wrong=(
            f'issuer = "{stack.issuer}"\nclient_id = "giftdeliveries"\nclient_secret = "nope"\n'
            'audience = "urn:worldmappers"'
        ),
        noapi=(
            f'issuer = "{stack.issuer}"\nclient_id = "giftdeliveries"\n'
            'client_secret = "giftdeliveries-local-secret"\naudience = "urn:unknown"'
        ),
        nogrant=(
            f'issuer = "{stack.issuer}"\nclient_id = "giftdeliveries"\n'
            f'client_secret = "giftdeliveries-local-secret"\naudience = "{stack.issuer}api/v2/"'
        ),
    )
    expectations = {
        "wrong": ("invalid_client", "Check the client secret"),
        "noapi": ("Service not enabled within domain: urn:unknown", "Check the API identifier"),
        "nogrant": ("access_denied", "Authorize this client for the API"),
    }
    for profile, (error, hint) in expectations.items():
        bad.switch(profile)
        app = M2MApp(bad, autostart=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("t")
            await settle(pilot)
            shown = text_of(app.query_one("#token-view"))
            assert error in shown and hint in shown, shown


async def test_a_failing_action_is_named_with_its_place_and_the_way_back(tmp_path, stack):
    """A 500 from the authority's Actions: its words and its code, not "try again later"."""
    session = make_session(tmp_path, stack.issuer, stack.api_url)
    code = "exports.onExecuteCredentialsExchange = async () => {\n  throw new Error('down');\n};"
    deployed(stack.admin(), "Thrower", code)
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await settle(pilot)
        shown = " ".join(text_of(app.query_one("#token-view")).split())
        assert "Action Thrower failed: Error: down (line 2, column 9)" in shown, shown
        assert "m2m-tui actions unbind Thrower" in shown
        assert "try again later" not in shown


async def test_authorization_server_down_is_a_clear_message(tmp_path):
    dead = make_session(tmp_path, "http://127.0.0.1:9/", "http://127.0.0.1:9")
    app = M2MApp(dead, autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await settle(pilot)
        shown = text_of(app.query_one("#token-view"))
        assert "network: cannot connect to http://127.0.0.1:9/oauth/token" in shown
        assert "Is the authorization server running?" in shown
        # The API tab falls back to the built-in table.
        assert dead.endpoints_source.startswith("built-in")


@pytest.mark.slow
async def test_escape_cancels_a_slow_token_request(tmp_path, misbehaving):
    slow = make_session(tmp_path, f"{misbehaving.url}slow/", None)
    app = M2MApp(slow, autostart=False)
    async with app.run_test(size=(100, 30)) as pilot:
        answered = misbehaving.slow_answers
        await pilot.press("t")
        await pilot.pause()
        assert app.query_one("#token-spinner").has_class("busy")
        await pilot.press("escape")
        await pilot.pause()
        assert not app.query_one("#token-spinner").has_class("busy")
        # Past the slow server's answer: it must not land.
        await wait_until_async(lambda: misbehaving.slow_answers > answered, "the slow answer")
        await settle(pilot)
        assert slow.token is None and slow.history == []


async def test_prompted_secret_is_asked_for_and_kept_in_memory(tmp_path, stack):
    prompted = make_session(
        tmp_path,
        stack.issuer,
        stack.api_url,
        asks=(
            f'issuer = "{stack.issuer}"\nclient_id = "giftdeliveries"\n'
            'client_secret_prompt = true\naudience = "urn:worldmappers"'
        ),
    )
    prompted.switch("asks")
    app = M2MApp(prompted, autostart=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t")
        assert isinstance(app.screen, SecretPrompt)
        app.screen.query_one(Input).value = "giftdeliveries-local-secret"
        await pilot.press("enter")
        await settle(pilot)
        assert prompted.token is not None
    config_text = (tmp_path / "config.toml").read_text()
    assert "giftdeliveries-local-secret" not in config_text.split("[profiles.asks]")[1]
    cache = (tmp_path / "client-state" / "token-cache.json").read_text()
    assert "giftdeliveries-local-secret" not in cache


async def test_after_t_the_token_tab_summarises_the_token_and_counts_down(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await settle(pilot)
        summary = text_of(app.query_one("#token-summary"))
        assert "giftdeliveries@clients → urn:worldmappers" in summary
        assert "scopes directions" in summary and "◷ expires in 23 h 59 m" in summary
        # Live: the line follows the clock while the Token tab shows.
        token = app.query_one(TokenTab)
        token.decoded.payload["exp"] = time.time() + 90
        await wait_until_async(  # at the next tick of its one-second timer
            lambda: "◷ expires in 1 m" in text_of(app.query_one("#token-summary")),
            "the summary to follow the new exp",
            step=pilot.pause,
        )


async def test_a_throttled_client_is_named_with_its_wait(tmp_path):
    from api_server.settings import ThrottleSettings
    from tests.conftest import repo_settings, start_stack

    # A long window: the six requests below must all count, however slow the machine.
    settings = repo_settings(throttle=ThrottleSettings(max_failures=5, window_seconds=30))
    stack = start_stack(tmp_path / "server-state", settings)
    try:
        wrong = make_session(
            tmp_path,
            stack.issuer,
            stack.api_url,
            wrong=(
                f'issuer = "{stack.issuer}"\nclient_id = "giftdeliveries"\n'
                'client_secret = "nope"\naudience = "urn:worldmappers"'
            ),
        )
        wrong.switch("wrong")
        app = M2MApp(wrong, autostart=False)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(6):  # the sixth is refused before the secret is even checked
                await pilot.press("n")
                await settle(pilot)
            shown = " ".join(text_of(app.query_one("#token-view")).split())
            assert "too_many_attempts" in shown
            assert re.search(r"The server throttles client giftdeliveries for \d+ s", shown)
    finally:
        stack.thread.stop()


async def test_a_stranger_on_the_bundled_port_is_named(tmp_path):
    import http.server
    import threading
    from dataclasses import replace

    from m2m_tui.config.file import load_config
    from m2m_tui.session.session import Session
    from tests.conftest import REPO_CONFIG

    stranger = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=stranger.serve_forever, daemon=True).start()
    port = stranger.server_port
    try:
        config = load_config(REPO_CONFIG)
        config = replace(config, server=replace(config.server, authority_port=port))
        profile = replace(config.profiles["local"], issuer=f"http://127.0.0.1:{port}/")
        config = replace(config, profiles={"local": profile})
        app = M2MApp(Session.open(config, tmp_path / "state"))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            shown = " ".join(text_of(app.query_one("#token-status")).split())
            assert "is not the bundled server" in shown
            assert "answered HTTP 404 text/html to discovery" in shown
            assert f"python (pid {os.getpid()}) holds port {port}" in shown
            assert app.server is None  # nothing was started over it
    finally:
        stranger.shutdown()


async def test_t_with_a_changed_secret_does_not_serve_the_cached_token(tmp_path, stack):
    from m2m_tui.config.file import load_config
    from m2m_tui.session.session import Session

    first = make_session(tmp_path, stack.issuer, stack.api_url)
    assert (await first.get_token()).ok  # cached, for the right secret
    config = tmp_path / "config.toml"
    config.write_text(config.read_text().replace("giftdeliveries-local-secret", "mistyped"))
    session = Session.open(load_config(config), tmp_path / "client-state")
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await settle(pilot)
        shown = text_of(app.query_one("#token-view"))
        assert shown.startswith("✗ invalid_client"), shown
        assert "The cached token was not used: the client's credential" in shown
        assert session.token is None


def test_the_summary_wraps_between_values_never_inside_one():
    """80×24: `◷ expires in 23` / `h 59 m` was a value broken in two; now a segment that
    does not fit starts the next line, whole."""
    from rich.console import Console

    from m2m_tui import views
    from m2m_tui.tokens.decoded import decode
    from tests.conftest import b64

    now = int(time.time())
    claims = {
        "sub": "giftdeliveries@clients",
        "aud": "urn:worldmappers",
        "scope": "directions geocode:location",
        "org_id": "org_RlIDsjf1gu1c6tJe",
        "org_name": "globex",
        "iat": now,
        "exp": now + 86399,
    }
    token = decode(f"{b64({'alg': 'RS256'})}.{b64(claims)}.c2ln")
    for width in (60, 76, 100):
        console = Console(width=width, record=True, color_system=None)
        console.print(views.token_summary(token))
        lines = [line.rstrip() for line in console.export_text().splitlines()]
        for whole in (
            "giftdeliveries@clients → urn:worldmappers",
            "scopes directions geocode:location",
            "organization globex (org_RlIDsjf1gu1c6tJe)",
            "◷ expires in 23 h 59 m",
        ):
            assert any(whole in line for line in lines), (width, lines)
        assert all(len(line) <= width for line in lines)
