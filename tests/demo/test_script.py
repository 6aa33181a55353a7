"""Demo walkthroughs: the built-in story parses, and mistakes name the step and field."""

from __future__ import annotations

import pytest

from m2m_tui.demo.script import ACTIONS, DemoScriptError, load_script, parse_script


def test_the_built_in_story_is_the_original_samples():
    script = load_script(None)
    assert [s.action for s in script.steps] == [
        "token",
        "inspect",
        "call",
        "forward",  # the exchange act (issue 49): forwarded, refused…
        "exchange",  # …exchanged by World Mappers' own client…
        "on_behalf",  # …and accepted
        "call",
        "grant",
        "new_token",
        "call",
        "rotate",
        "revoke",
        "revoke_token",
        "organizations",
        "token",
        "call",
        "fix",
        "call",
        "lab",
        "require_claim",  # A claim from an Action (issue 37)
        "preview",
        "deploy_action",
        "preview",
        "new_token",
        "call",
        "require_dpop",
        "use_dpop",
        "use_mtls",
    ]
    assert all(s.caption for s in script.steps)
    assert script.steps[7].scope == "geocode:location"
    assert script.steps[13].organizations == ("acme", "globex")  # Acme and Globex
    act = script.steps[3:6]
    assert [s.acting for s in act] == ["world-mappers", "world-mappers", None]
    assert act[0].endpoint == act[2].endpoint == "/api/routes"
    assert act[0].params == {"from": "Seattle", "to": "Auth0 Office"} == act[2].params


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[step]]\naction = 'token'\n", "step 1: caption is required"),
        ("[[step]]\ncaption = 'a'\naction = 'dance'\n", "step 1: action must be one of"),
        (
            "[[step]]\ncaption = 'a'\naction = 'token'\n[[step]]\ncaption = 'b'\naction = 'call'\n",
            "step 2: call needs endpoint",
        ),
        (
            "[[step]]\ncaption = 'a'\naction = 'grant'\nscope = 'a b'\n",
            "step 1: scope must be one scope",
        ),
        (
            "[[step]]\ncaption = 'a'\naction = 'call'\nendpoint = 'api'\n",
            "step 1: endpoint must be a path",
        ),
        (
            "[[step]]\ncaption = 'a'\naction = 'token'\nscope = 'x'\n",
            "step 1: unknown field(s) scope for token",
        ),
        (
            "[[step]]\ncaption = 'a'\naction = 'organizations'\norganizations = 'acme'\n",
            "step 1: organizations must be a list of names",
        ),
        (
            "[[step]]\ncaption = 'a'\naction = 'organizations'\norganizations = []\n",
            "step 1: organizations needs at least one name",
        ),
        (
            "[[step]]\ncaption = 'a'\naction = 'exchange'\n",
            "step 1: exchange needs as",
        ),
        (
            "[[step]]\ncaption = 'a'\naction = 'forward'\nas = 'world-mappers'\n",
            "step 1: forward needs endpoint",
        ),
        (
            "[[step]]\ncaption = 'a'\naction = 'exchange'\nas = ''\n",
            "step 1: as must name a profile",
        ),
        (
            "[[step]]\ncaption = 'a'\naction = 'on_behalf'\nendpoint = '/api/routes'\nas = 'x'\n",
            "step 1: unknown field(s) as for on_behalf",
        ),
        ("title = 'x'\n", "needs at least one [[step]]"),
        ("[[step]\n", "invalid TOML"),
        ("colour = 1\n[[step]]\ncaption = 'a'\naction = 'pause'\n", "unknown key(s) colour"),
    ],
)
def test_mistakes_name_the_step_and_the_field(text, message):
    with pytest.raises(DemoScriptError) as info:
        parse_script(text, "my-demo.toml")
    assert str(info.value).startswith("my-demo.toml") and message in str(info.value)


def test_the_vocabulary_is_documented_in_the_help(tmp_path):
    from tests.conftest import run_cli

    shown = run_cli(tmp_path, "demo", "--help").stdout
    for action in ACTIONS:
        assert action in shown


def test_a_demo_tenant_whose_port_was_taken_is_started_again_on_fresh_ports(monkeypatch):
    from m2m_tui.bundled_servers import StartFailed
    from m2m_tui.demo import environment

    tries = []

    def start(actions):
        tries.append(actions)
        if len(tries) == 1:
            raise StartFailed("the demo's TLS tenant stopped: [Errno 98] address already in use")
        return "tenant"

    monkeypatch.setattr(environment, "_start_demo_tenant", start)
    assert environment.start_demo_tenant({"use_mtls"}) == "tenant" and len(tries) == 2
    tries.clear()
    monkeypatch.setattr(environment, "_start_demo_tenant", lambda a: (tries.append(a), 1 / 0))
    with pytest.raises(ZeroDivisionError):  # only a failed start is tried again
        environment.start_demo_tenant(None)
    assert len(tries) == 1
