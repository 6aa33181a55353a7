"""The demo's exchange act (#49, point 6): Gift Deliveries' token, forwarded by World
Mappers to the Routes API, is refused and Why? says why; exchanged by World Mappers' own
client, it carries the act chain the Inspector draws, History links it to its subject,
and the Routes API accepts it. Played with the presenter's keys, and as slides."""

from __future__ import annotations

import re

import pytest

from m2m_tui.demo.environment import start_demo_tenant
from m2m_tui.demo.script import builtin_story, load_script, parse_script
from m2m_tui.tui.demo import DemoApp
from tests.conftest import run_cli
from tests.helpers.tui import screen_words, settle

CHAIN = "world-mappers-api@clients acting for giftdeliveries@clients"
ROUTE = 'endpoint = "/api/routes"\nparams = { from = "Seattle", to = "Auth0 Office" }\n'
ACT = (
    '[[step]]\ncaption = "A token."\naction = "token"\n'
    '[[step]]\ncaption = "Forwarded."\naction = "forward"\nas = "world-mappers"\n'
    + ROUTE
    + '[[step]]\ncaption = "Exchanged."\naction = "exchange"\nas = "world-mappers"\n'
    '[[step]]\ncaption = "On its behalf."\naction = "on_behalf"\n'
    + ROUTE
    + '[[step]]\ncaption = "Back."\naction = "call"\nendpoint = "/api/directions"\n'
)


def words(svg: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", svg).replace("&#160;", " ").split())


async def test_the_act_played_with_the_presenters_keys():
    script = parse_script(ACT, "act.toml")
    tenant = start_demo_tenant({step.action for step in script.steps})
    try:
        server = tenant.config.server
        assert 7002 not in {server.routes_port}  # the demo's own Routes API, on a free port
        app = DemoApp(tenant.session(), script, tenant.introspecting_url)
        async with app.run_test(size=(120, 38)) as pilot:
            await settle(pilot)
            session = app.session

            async def step(tab: str) -> str:
                await pilot.press("space")
                await settle(pilot)
                assert app.failed is None, app.failed
                assert app.query_one("#tabs").active == tab
                return screen_words(app)

            await step("token")
            caller = session.token
            refused = await step("why")
            assert session.profile.name == "world-mappers"  # World Mappers' side is shown
            assert "REJECTED" in refused and "the token was for urn:worldmappers" in refused
            assert "token instead of forwarding it" in refused
            assert session.history[-1].status == "401"
            inspected = await step("inspector")
            assert CHAIN in inspected and session.token != app.inspector.raw
            history = await step("history")
            assert "exchanged from #1" in history
            kinds = [(e.kind, e.status) for e in session.history]
            assert kinds == [
                ("token", "200"),
                ("why", "401"),
                ("exchange", "200"),
                ("call", "200"),
            ]
            routed = session.history[-1].result.exchange.json()
            assert routed["on_behalf_of"] == "giftdeliveries@clients"
            assert routed["actors"] == ["world-mappers-api@clients"]
            # The next step is Gift Deliveries' again, with the token it had.
            await step("api")
            assert session.profile.name == "local" and session.token == caller
            assert session.history[-1].summary == "GET /api/directions"
            assert session.history[-1].status == "200"
    finally:
        tenant.close()


@pytest.mark.slow
def test_the_built_in_acts_slides_show_the_refusal_the_chain_and_the_200(tmp_path):
    """`m2m-tui demo --slides` of the built-in story up to the act and the step after it,
    the captions as shipped."""
    built_in = load_script(None)
    last = next(s.number for s in built_in.steps if s.action == "on_behalf")
    chunks = re.split(r"(?m)^\[\[step\]\]$", builtin_story())
    script = tmp_path / "to-the-act.toml"
    script.write_text("[[step]]".join(chunks[: last + 2]), encoding="utf-8")  # one more step
    result = run_cli(
        tmp_path, "demo", "--script", str(script), "--slides", str(tmp_path / "s"), timeout=300
    )
    assert result.returncode == 0, result.stderr
    act = [s for s in built_in.steps if s.action in ("forward", "exchange", "on_behalf")]
    assert [s.action for s in act] == ["forward", "exchange", "on_behalf"]
    assert act[0].number == 4  # right after the first directions call

    def slide(step) -> str:
        return words((tmp_path / "s" / f"step-{step.number:02d}.svg").read_text())

    for step in act:
        assert step.caption.split(".")[0][:40] in slide(step), step.number
    forwarded, exchanged, accepted = (slide(s) for s in act)
    assert "world-mappers · world-mappers-api" in forwarded  # World Mappers' own client
    assert "REJECTED" in forwarded and "/api/routes?from=Seattle" in forwarded
    assert "401" in forwarded and "the token was for urn:worldmappers" in forwarded
    assert "instead of forwarding it" in forwarded
    assert f"Act chain (token exchange, RFC 8693): {CHAIN}" in exchanged
    assert "│aud │urn:worldmappers:routes" in exchanged  # the claims table: a Routes API token
    assert "exchanged from #1" in accepted
    assert re.search(r"5 \S+ call GET /api/routes 200", accepted), accepted
    assert re.search(r"3 \S+ why GET /api/routes 401", accepted), accepted
    # The step after the act is Gift Deliveries' again, refused for the scope as before.
    after = words((tmp_path / "s" / f"step-{last + 1:02d}.svg").read_text())
    assert "local · giftdeliveries → urn:worldmappers" in after
    assert "missing geocode:location" in after
