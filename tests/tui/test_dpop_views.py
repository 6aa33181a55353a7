"""The TUI with a DPoP profile: the proof in each exchange, the binding in the inspector
and the predictions, the DPoP checks in Why?, the proof variants in the lab, and the
API's DPoP switch on the Grants screen."""

from __future__ import annotations

from textual.widgets import DataTable

from m2m_tui.tui.app import M2MApp
from tests.helpers.sessions import make_session
from tests.helpers.tui import settle, text_of


def dpop_session(tmp_path, stack, dpop: bool = True):
    session = make_session(
        tmp_path,
        stack.issuer,
        stack.api_url,
        bound=(
            f'issuer = "{stack.issuer}"\nclient_id = "giftdeliveries"\n'
            'client_secret = "giftdeliveries-local-secret"\naudience = "urn:worldmappers"\n'
            f'api_base_url = "{stack.api_url}"\ndpop = {"true" if dpop else "false"}'
        ),
    )
    session.switch("bound")
    return session


def flat(widget) -> str:
    return " ".join(text_of(widget).split())


async def test_token_inspector_and_call_show_the_proof_and_the_binding(tmp_path, stack):
    session = dpop_session(tmp_path, stack)
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        token = flat(app.query_one("#token-view"))
        assert "DPoP proof (fresh for this request, single-use)" in token
        assert "header.typ dpop+jwt" in token and "htm POST" in token
        assert '"token_type": "DPoP"' in token
        assert "DPoP: eyJ" in token and session.token not in token
        assert "DPoP-bound" in flat(app.query_one("#token-summary"))
        inspector = flat(app.query_one("#inspection"))
        assert "bound: a proof is needed on every call" in inspector
        assert "✓ matches this profile's key" in inspector
        assert "bound to a DPoP key (RFC 9449 §6)" in inspector
        await pilot.press("a", "down", "down", "c")  # directions
        await settle(pilot)
        call = flat(app.query_one("#api-response"))
        assert "← 200" in call and "Authorization: DPoP ••••••" in call
        for claim in ("htm GET", "htu http", "iat ", "jti ", "ath "):
            assert claim in call, claim


async def test_a_bound_token_without_its_key_is_predicted_refused_and_explained(tmp_path, stack):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    bound = dpop_session(tmp_path / "a", stack)
    await bound.get_token(force=True)
    plain = dpop_session(tmp_path / "b", stack, dpop=False)
    plain.tokens.hold(bound.token)  # e.g. pasted, or issued to another machine
    app = M2MApp(plain, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        app.api_tab.refresh_predictions()
        await pilot.pause()
        row = app.query_one("#endpoints", DataTable).get_row_at(2)
        assert str(row[3]) == "✗ DPoP-bound; this profile has no key to prove it"
        await pilot.press("a", "down", "down", "c")
        await settle(pilot)
        why = flat(app.query_one("#why-view"))
        assert "REJECTED" in why and "✗ scheme" in why
        assert "sent as Bearer, without a proof" in why and "dpop = true" in why


async def test_the_lab_breaks_the_proof_one_way_at_a_time(tmp_path, stack):
    session = dpop_session(tmp_path, stack)
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(160, 60)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("a", "down", "down", "l")
        await settle(pilot)
        lab = flat(app.query_one("#lab-view"))
        for name in (
            "proof: wrong method",
            "proof: wrong URL",
            "proof: stale",
            "proof: future",
            "proof: replayed",
            "proof: no ath",
            "proof: other key",
            "bound token as Bearer",
        ):
            assert name in lab, name
        assert "disagrees" not in lab  # the local checks agree with every refusal
        assert lab.count("401") >= 8


async def test_grants_screen_switches_the_apis_dpop_requirement(tmp_path, stack):
    session = make_session(tmp_path, stack.issuer, stack.api_url)
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        apis = app.screen.query_one("#apis", DataTable)
        assert str(apis.get_row_at(0)[3]) == "off"
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert str(apis.get_row_at(0)[3]) == "required"
        assert "now requires DPoP" in flat(app.screen.query_one("#grants-status"))
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("n")  # a Bearer profile: refused, with the fix
        await settle(pilot)
        token = flat(app.query_one("#token-view"))
        assert "invalid_dpop_proof" in token and "set `dpop = true` in the profile" in token


async def test_the_dpop_key_never_shows(tmp_path, stack):
    session = dpop_session(tmp_path, stack)
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("a", "down", "down", "c")
        await settle(pilot)
        screens = [app.export_screenshot()]
        for tab in ("i", "escape", "h", "e"):  # i puts the cursor in the paste box
            await pilot.press(tab)
            await settle(pilot)
            screens.append(app.export_screenshot())
    key = session.dpop_key()
    private_d = key.private_key.private_numbers().private_value
    pem_body = key.path.read_text().splitlines()[1]
    export = next((tmp_path / "client-state" / "exports").glob("history-*.json")).read_text()
    for text in (*screens, export):
        assert pem_body not in text and str(private_d) not in text


async def test_the_whole_story_with_a_dpop_profile(tmp_path, stack):
    session = dpop_session(tmp_path, stack)
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("a", "c")  # geocode: the bound token lacks the scope
        await settle(pilot)
        why = flat(app.query_one("#why-view"))
        assert "REJECTED" in why and "✗ scope" in why and "✓ cnf.jkt" in why
        assert "Press f to apply the fix" in why
        await pilot.press("f")
        await settle(pilot)
        assert "DPoP-bound" in flat(app.query_one("#token-summary"))
        await pilot.press("c")
        await settle(pilot)
        call = flat(app.query_one("#api-response"))
        assert "← 200" in call and "Authorization: DPoP ••••••" in call
