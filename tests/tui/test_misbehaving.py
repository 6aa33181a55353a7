"""The app against a server that misbehaves on purpose: a clear line, never a traceback.

Token requests, API calls and the inspector's signature check each meet every
case of the misbehaving server, and a certificate nobody trusts.
"""

from __future__ import annotations

import pytest

from m2m_tui.tui.app import M2MApp
from tests.conftest import b64
from tests.helpers.misbehaving import TOKEN_SAYS, MisbehavingServer, timeout_for
from tests.helpers.sessions import make_session
from tests.helpers.tui import paste, settle, text_of

CASES = MisbehavingServer.ALL_CASES

CALL_SAYS = {
    "slow": "✗ ",
    "html": "⚠ the API failed (HTTP 502)",
    "500": "⚠ the API failed (HTTP 500)",
    "truncated": "⚠ the API's JSON is malformed or cut short",
    "xml": "⚠ the API answered application/xml, not JSON",
    "loop": "⚠ the API redirects (HTTP 302)",
    "tls": "✗ TLS error",
}


@pytest.mark.parametrize("case", CASES)
async def test_token_request(tmp_path, misbehaving, case):
    bad = make_session(tmp_path, misbehaving.base(case), None)
    bad.timeout = timeout_for(case)
    app = M2MApp(bad, autostart=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t")
        await settle(pilot)
        shown = text_of(app.query_one("#token-view"))
        error = shown.partition("\n")[0]
        # The sentence the CLI says for this case (the slow one: the 1 s timeout ended
        # the wait, not the server's answer at 5 s), then a hint.
        assert error.startswith("✗ ") and TOKEN_SAYS[case] in shown, shown
        assert "\n→ " in shown
        assert "Traceback" not in shown


@pytest.mark.parametrize("case", CASES)
async def test_api_call(tmp_path, misbehaving, case):
    session = make_session(tmp_path, f"{misbehaving.url}ok/", misbehaving.base(case))
    session.timeout = timeout_for(case)
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)  # endpoints: openapi.json fails, the built-in table stands in
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        shown = text_of(app.query_one("#api-response"))
        assert shown.startswith(CALL_SAYS[case]), shown
        if case == "slow":
            assert "did not answer within 1 s" in shown, shown
        assert "Traceback" not in shown and "opaque-test-token" not in shown


@pytest.mark.parametrize("case", CASES)
async def test_inspector_signature_check(tmp_path, misbehaving, case):
    issuer = misbehaving.base(case)
    session = make_session(tmp_path, issuer, None)
    session.timeout = timeout_for(case)
    token = ".".join(
        [b64({"alg": "RS256", "kid": "k"}), b64({"iss": issuer, "exp": 4102444800}), "c2ln"]
    )
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await paste(pilot, token)
        shown = text_of(app.query_one("#inspection"))
        assert "signature: not checked (no jwks_uri found by discovery" in shown
        assert "Traceback" not in shown
