"""Pilot tests: the app driven by its keys against the bundled server running in the test."""

from __future__ import annotations

import jwt
import pytest
from textual.widgets import DataTable, Input, TabbedContent

from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.history_list import HistoryList
from m2m_tui.tui.screens import HelpScreen, ProfileScreen, SecretPrompt, TextScreen
from tests.tui.conftest import make_session, paste, settle, text_of


async def test_token_key_requests_a_token_and_shows_the_exchange_masked(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await settle(pilot)
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
        assert "expires in 23 h 59 m" in inspector
        assert "✓ signature verified with key" in inspector
        # Scopes against what the API offers (its OpenAPI document).
        assert "✓ directions" in inspector and "✗ geocode:location" in inspector
        assert "1 granted · 2 not granted" in inspector


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


async def test_call_predicts_and_shows_the_refusal(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)  # endpoints from /openapi.json
        await pilot.press("t")
        await settle(pilot)
        table = app.query_one("#endpoints", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows[0][1] == "/api/location/geocode"
        assert rows[0][3] == "✗ missing geocode:location"
        assert rows[2][1] == "/api/directions" and rows[2][3] == "✓"
        assert session.endpoints_source == "openapi.json"
        await pilot.press("a", "c")
        await settle(pilot)
        shown = text_of(app.query_one("#api-response"))
        assert "← 403" in shown and "insufficient_scope" in shown
        assert 'www-authenticate: Bearer realm="worldmappers"' in shown
        # The refusal opened the "Why?" panel with the checklist.
        assert app.query_one("#tabs", TabbedContent).active == "why"
        why = text_of(app.query_one("#why-view"))
        assert "✗ scope" in why and "missing geocode:location" in why
        assert "fix: Grant `geocode:location` to Gift Deliveries on urn:worldmappers" in why
        assert "The server's answer agrees with the local checks." in why
        # Back to the API tab, down to directions, edit the destination, send.
        await pilot.press("a", "down", "down")
        await pilot.pause()
        box = app.query_one("#param-destination", Input)
        box.value = "Space Needle"
        await pilot.press("c")
        await settle(pilot)
        shown = text_of(app.query_one("#api-response"))
        assert "← 200" in shown and "Arrive at Space Needle" in shown
        assert "Bearer ••••••" in shown and session.token not in shown


async def test_paste_a_token_garbage_or_opaque(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await paste(pilot, "this-is-not-a-token")
        shown = text_of(app.query_one("#inspection"))
        assert "Not a JWT" in shown and "opaque" in shown and "audience" in shown
        await paste(pilot, "eyJhbGciOiJIUzI1NiJ9.!!!.abc")
        assert "payload is not" in text_of(app.query_one("#inspection"))


async def test_pasted_token_from_another_key_fails_the_signature(session, stack):
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {"iss": stack.issuer, "sub": "x@clients", "exp": 1},
        key,
        algorithm="RS256",
        headers={"kid": stack.authority.current_key.kid},
    )
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await paste(pilot, "Bearer " + forged)
        shown = text_of(app.query_one("#inspection"))
        assert "✗ signature: bad signature" in shown
        assert "expired" in shown


async def test_profile_switch_help_and_copy(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("p")
        assert isinstance(app.screen, ProfileScreen)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert session.profile.name == "admin"
        assert "admin" in app.sub_title
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("y")
        assert isinstance(app.screen, TextScreen)
        assert app.clipboard == session.token


async def test_copy_curl_masks_the_token_unless_asked(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("a", "u")
        assert "Bearer ••••••" in app.clipboard and session.token not in app.clipboard
        assert app.clipboard.startswith("curl -i -H ")
        await pilot.press("escape", "U")
        assert session.token in app.clipboard


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


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_usable_at_small_and_large_sizes(session, size):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("t")
        await settle(pilot)
        for tab in ("i", "a", "h"):
            await pilot.press(tab)
            await pilot.pause()
        assert app.query_one("#tabs", TabbedContent).active == "history"
        assert app.query_one("#history-table", HistoryList).row_count == 1


async def test_escape_leaves_a_text_box_so_keys_work_again(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one("#paste", Input).focus()
        await pilot.press("escape", "h")
        assert app.query_one("#tabs", TabbedContent).active == "history"


async def test_command_palette_lists_every_action(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)):
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Token", "New token", "Call", "Inspect", "History", "Profile", "Help"} <= titles


async def test_escape_cancels_a_slow_token_request(tmp_path, misbehaving):
    slow = make_session(tmp_path, f"{misbehaving.url}slow/", None)
    app = M2MApp(slow, autostart=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t")
        await pilot.pause(0.3)
        assert app.query_one("#token-spinner").has_class("busy")
        await pilot.press("escape")
        await pilot.pause()
        assert not app.query_one("#token-spinner").has_class("busy")
        assert slow.token is None


async def test_history_stays_fast_with_thousands_of_entries(session):
    from m2m_tui.session import HistoryEntry

    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        session.history.extend(
            HistoryEntry(float(i), "call", f"GET /x/{i}", "200") for i in range(5000)
        )
        app.add_history_rows()
        await pilot.press("h", "ctrl+end")
        await pilot.pause()
        table = app.query_one("#history-table", HistoryList)
        assert table.row_count == 5000 and table.cursor_row == 4999
        screen = app.export_screenshot().replace("&#160;", " ")
        assert "GET /x/4999" in screen and "GET /x/10 " not in screen
        assert "call: GET /x/4999 (200)" in text_of(app.query_one("#history-detail"))
        await pilot.press("home", "pagedown", "down")
        await pilot.pause()
        rows = table.page_rows
        assert table.cursor_row == rows + 1
        assert f"call: GET /x/{rows + 1} (200)" in text_of(app.query_one("#history-detail"))
        screen = app.export_screenshot().replace("&#160;", " ")
        assert f"GET /x/{rows + 1} " in screen and "GET /x/0 " not in screen


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


async def test_d_diagnoses_a_pasted_token_and_l_runs_the_tamper_lab(session, stack, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="m2m_tui.api")
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        mgmt = stack.token(("m2m-admin", "m2m-admin-local-secret"), stack.issuer + "api/v2/")
        await paste(pilot, mgmt)
        await pilot.press("escape", "d")
        await settle(pilot)
        why = text_of(app.query_one("#why-view"))
        assert "REJECTED" in why and "this is a Management API token" in why
        # The lab breaks the current (good) token one way at a time.
        app.inspection = None
        caplog.clear()
        await pilot.press("a", "down", "down", "l")
        await settle(pilot)
        lab = text_of(app.query_one("#lab-view"))
        asked = [r for r in caplog.records if "oauth-protected-resource" in r.getMessage()]
        assert len(asked) == 1  # the API's metadata, once for all seven variants
        for name in (
            "expired",
            "other aud",
            "scope removed",
            "scope added",
            "alg none",
            "re-signed",
            "no signature",
        ):
            assert name in lab
        assert "401" in lab and "disagrees" not in lab


async def test_the_why_panel_applies_the_scope_fix_and_the_next_token_changes(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("a", "c")  # geocode, with directions only: 403
        await settle(pilot)
        why = text_of(app.query_one("#why-view"))
        # The client is named as the dashboard names it, through the Management API.
        assert "Grant `geocode:location` to Gift Deliveries on urn:worldmappers" in why
        assert "Press f to apply the fix" in why
        await pilot.press("f")
        await settle(pilot)
        assert (
            "geocode:location"
            in jwt.decode(session.token, options={"verify_signature": False})["scope"]
        )
        await pilot.press("c")
        await settle(pilot)
        assert "← 200" in text_of(app.query_one("#api-response"))


async def test_a_huge_claim_is_shortened_in_the_inspector_and_whole_on_j(session):
    token = jwt.encode(
        {
            "iss": "http://127.0.0.1:9/",
            "sub": "c@clients",
            "exp": 4102444800,
            "blob": "x" * 8192,
            "scope": " ".join(f"s:{i:03d}" for i in range(500)),
        },
        "k" * 32,
        algorithm="HS256",
    )
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await paste(pilot, token)
        shown = text_of(app.query_one("#inspection"))
        assert "✓ s:000" in shown and "✓ s:499" in shown  # every scope, against the API
        raw = text_of(app.query_one("#inspection-json"))
        assert "(8,192 characters)" in raw and "x" * 1001 not in raw
        assert "2 long string(s) shortened; J shows it all" in raw
        await pilot.press("escape", "J")
        await pilot.pause()
        assert isinstance(app.screen, TextScreen)
        assert "x" * 8192 in str(app.screen.query_one("#copied").content)
