"""The request editor (r): any method, headers and a body for the selected endpoint, sent
by c, shown with the answer, copied by u, and put back by Reset."""

from __future__ import annotations

from textual.widgets import Select, TextArea

from m2m_tui.tui.app import M2MApp
from tests.helpers.echo import echo_api
from tests.helpers.sessions import make_session
from tests.helpers.tui import settle, text_of


def echoed(app) -> dict:
    """What the echo API said it was sent (the last call's answer, which the tab shows)."""
    said = app.session.history[-1].result.exchange.json()
    assert f'"method": "{said["method"]}"' in text_of(app.query_one("#api-response"))
    return said


async def test_edit_method_headers_and_body_then_reset(tmp_path, shared_stack):
    with echo_api() as url:
        session = make_session(tmp_path, shared_stack.issuer, url.rstrip("/"))
        app = M2MApp(session, autostart=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("t")
            await settle(pilot)
            await pilot.press("a", "down", "down")  # /api/directions
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)
            editor = app.screen
            editor.query_one("#method", Select).value = "PUT"
            editor.query_one("#request-headers", TextArea).text = "no colon"
            editor.query_one("#request-body", TextArea).text = '{"destination": "Seattle"}'
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is editor  # a header it cannot send keeps the editor open
            assert "a header is `Name: value`" in text_of(editor.query_one("#request-error"))
            editor.query_one("#request-headers", TextArea).text = "X-Trace: 7\n"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is not editor
            extras = text_of(app.query_one("#request-extras"))
            assert "PUT · 1 header · body 26 B, application/json" in extras
            await pilot.press("c")
            await settle(pilot)
            got = echoed(app)
            assert got["method"] == "PUT" and got["path"] == "/api/directions"
            assert got["body"] == '{"destination": "Seattle"}'
            assert got["headers"]["x-trace"] == "7"
            assert got["headers"]["content-type"] == "application/json"
            assert got["headers"]["authorization"] == f"Bearer {session.token}"
            sent = text_of(app.query_one("#api-response")).split("← 200")[0]
            assert sent.startswith("PUT ") and "X-Trace: 7" in sent
            assert '"destination": "Seattle"' in sent  # the body, under the headers
            assert "Authorization: Bearer ••••••" in sent and session.token not in sent
            await pilot.press("u")
            assert "-X PUT" in app.clipboard and "--data-raw" in app.clipboard
            assert "'X-Trace: 7'" in app.clipboard and session.token not in app.clipboard
            await pilot.press("escape", "r")
            await settle(pilot)
            await pilot.click("#reset")
            await settle(pilot)
            assert not app.query_one("#request-extras").display
            await pilot.press("c")
            await settle(pilot)
            got = echoed(app)
            assert got["method"] == "GET" and got["body"] == ""
            assert "x-trace" not in got["headers"]


async def test_a_pasted_token_as_a_header_is_sent_instead(tmp_path, shared_stack):
    with echo_api() as url:
        session = make_session(tmp_path, shared_stack.issuer, url.rstrip("/"))
        app = M2MApp(session, autostart=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("a", "r")  # no token yet: the header is the credential
            await settle(pilot)
            headers = app.screen.query_one("#request-headers", TextArea)
            headers.text = "Authorization: Bearer pasted.token.value"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert "your own Authorization" in text_of(app.query_one("#request-extras"))
            await pilot.press("c")
            await settle(pilot)
            assert echoed(app)["headers"]["authorization"] == "Bearer pasted.token.value"
            sent = text_of(app.query_one("#api-response")).split("← 200")[0]
            # The request's own lines mask it, as they mask the profile's token.
            assert "Authorization: Bearer ••••••" in sent and "pasted" not in sent


async def test_a_users_own_credentials_are_masked_in_the_export(tmp_path, shared_stack):
    """What the request editor sends is shown as typed, but an export (made to share)
    masks the credentials in it: an API key header, a cookie, a secret in a JSON body."""
    import json

    with echo_api() as url:
        session = make_session(tmp_path, shared_stack.issuer, url.rstrip("/"))
        app = M2MApp(session, autostart=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("a", "r")
            await settle(pilot)
            app.screen.query_one(
                "#request-headers", TextArea
            ).text = "X-Api-Key: key-123456\nCookie: session=cookie-987\nX-Trace: 7"
            app.screen.query_one(
                "#request-body", TextArea
            ).text = '{"client_secret": "body-secret-42", "destination": "Paris"}'
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            assert echoed(app)["headers"]["x-api-key"] == "key-123456"  # sent as typed
            await pilot.press("e")
            await settle(pilot)
            folder = session.state_dir / "exports"
            text = next(folder.iterdir()).read_text()
            for secret in ("key-123456", "cookie-987", "body-secret-42"):
                assert secret not in text.split('"response"')[0], secret
            request = json.loads(text)["entries"][-1]["request"]
            assert request["headers"]["X-Trace"] == "7"
            assert request["body"]["destination"] == "Paris"
