"""The API tab: endpoints, predictions, calls, parameters and copies as curl."""

from __future__ import annotations

from textual.widgets import DataTable, Input, TabbedContent

from m2m_tui.tui.app import M2MApp
from tests.helpers.tui import settle, text_of


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


async def test_parameter_boxes_show_the_apis_defaults_and_an_empty_call_uses_them(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("a", "down", "down")  # directions
        await settle(pilot)
        origin = app.query_one("#param-origin", Input)
        destination = app.query_one("#param-destination", Input)
        assert (origin.value, origin.placeholder) == ("", "default: Seattle")
        assert (destination.value, destination.placeholder) == ("", "default: Auth0 Office")
        await pilot.press("c")
        await settle(pilot)
        shown = text_of(app.query_one("#api-response"))
        assert "← 200" in shown and "Arrive at Auth0 Office" in shown


def test_narrow_columns_keep_apart_what_tells_values_apart():
    from m2m_tui.tui.fit import shorten_apart

    paths = shorten_apart(["/api/location/geocode", "/api/location/reverse-geocode"], 14)
    scopes = shorten_apart(["geocode:location", "reverse-geocode:location", "directions"], 12)
    names = shorten_apart(["World Mappers API", "World Mappers Admin", "Gift Deliveries"], 9)
    for shown, width in ((paths, 14), (scopes, 12), (names, 9)):
        assert len(set(shown)) == len(shown), shown  # no two read the same
        assert all(len(s) <= width for s in shown), shown
    assert all("…" in s for s in paths) and paths[1].endswith("geocode")
    assert scopes[2] == "directions"  # fits: whole
    assert names[2].startswith("Gift") or names[2].endswith("ies")


async def test_c_before_any_token_gets_one_first_then_calls(session):
    """The CLI's `call` gets a token when it has none; so does `c`: never a bare 401."""
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert session.token is None
        await pilot.press("a", "down", "down", "c")  # directions, before any t
        await settle(pilot)
        assert session.token  # asked for first
        shown = text_of(app.query_one("#api-response"))
        assert "Authorization: Bearer" in shown and "← 200" in shown, shown
        assert "401" not in shown
        assert [e.kind for e in session.history] == ["token", "call"]


async def test_c_before_any_token_says_so_when_the_token_is_refused(tmp_path, shared_stack):
    from tests.helpers.sessions import make_session

    session = make_session(
        tmp_path,
        shared_stack.issuer,
        shared_stack.api_url,
        wrong=f'issuer = "{shared_stack.issuer}"\nclient_id = "no-such-client"\n'
        f'client_secret = "not-the-secret"\naudience = "urn:worldmappers"\n'
        f'api_base_url = "{shared_stack.api_url}"',
    )
    session.switch("wrong")
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a", "c")
        await settle(pilot)
        assert app.query_one("#tabs", TabbedContent).active == "token"
        assert "invalid_client" in text_of(app.query_one("#token-view"))
        assert [e.kind for e in session.history] == ["token"]  # no call without a token
        from tests.helpers.tui import notes

        assert "No call: the token request failed (invalid_client)" in notes(app)


async def test_a_call_left_pending_by_c_is_never_sent_by_a_later_token(session, monkeypatch):
    """`c` before any token waits for that token request alone. When it fails with an
    unexpected error, the pending call is dropped: neither showing the current token again
    (as closing the Grants screen does) nor a later `t` sends a call nobody asked for."""
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        real = session.tokens.get

        async def broken(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(session.tokens, "get", broken)
        await pilot.press("a", "down", "down", "c")
        await settle(pilot)
        assert session.token is None and not app.call_after_token
        monkeypatch.setattr(session.tokens, "get", real)
        await pilot.press("t")
        await settle(pilot)
        assert session.token
        app.show_current_token()  # what closing the Grants screen does
        await settle(pilot)
        assert [e.kind for e in session.history] == ["token"]  # no call was sent
        assert app.query_one("#tabs", TabbedContent).active == "token"
