"""`m2m-tui demo`: the built-in story end to end (twice, the same), slides, custom
scripts, failures named by step, and the presenter's keys."""

from __future__ import annotations

import re

import pytest

from m2m_tui.demo.environment import start_demo_tenant
from m2m_tui.demo.script import load_script, parse_script
from m2m_tui.tui.demo import DemoApp, write_slides
from tests.conftest import run_cli
from tests.helpers.tui import screen_words, settle


def words(svg: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", svg).replace("&#160;", " ").split())


async def run_story(folder):
    script = load_script(None)
    tenant = start_demo_tenant()
    try:
        session = tenant.session()
        app = DemoApp(session, script, tenant.introspecting_url)
        failed = await write_slides(app, folder)
        statuses = [(e.kind, e.status) for e in session.history]
        calls = {e.summary: e.status for e in session.history if e.kind == "call"}
    finally:
        tenant.close()
    return script, failed, statuses, calls


@pytest.mark.slow
@pytest.mark.timeout(900)  # two plays of 19 steps: minutes on a machine busy with more
async def test_the_built_in_demo_runs_start_to_end_twice_with_the_same_result(tmp_path):
    first = await run_story(tmp_path / "one")
    second = await run_story(tmp_path / "two")
    script, failed, statuses, answered = first
    assert failed is None and second[1] is None
    assert statuses == second[2]  # the same story, call by call
    # The story's turning points: directions 200, the Routes API's 200 for the exchanged
    # token (the forwarded one's 401 is Why?'s), geocode 403, geocode 200 after the grant.
    calls = [s for kind, s in statuses if kind == "call"]
    assert calls[:4] == ["200", "200", "403", "200"]
    assert ("why", "401") in statuses and ("exchange", "200") in statuses
    slides = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert slides == [f"step-{n:02d}.svg" for n in range(1, len(script.steps) + 1)]
    for step in script.steps:
        shown = words((tmp_path / "one" / f"step-{step.number:02d}.svg").read_text())
        assert step.caption.split(".")[0][:40] in shown, step.number
    why = words((tmp_path / "one" / "step-07.svg").read_text())
    assert "REJECTED" in why and "missing geocode:location" in why
    revoked = words((tmp_path / "one" / "step-12.svg").read_text())
    assert "The API refuses the old-key token (401)" in revoked
    # One revoked token: the JWT-validating API accepts it, the introspecting one refuses.
    revoked_token = words((tmp_path / "one" / "step-13.svg").read_text())
    assert "JWT-validating API: GET /api/location/geocode" in revoked_token
    assert "introspecting API: GET /api/location/geocode" in revoked_token
    assert answered["JWT-validating API: GET /api/location/geocode"] == "200"
    assert answered["introspecting API: GET /api/location/geocode"] == "401"
    # Acme and Globex: the Acme token refused by the Globex API, the grant's word on it,
    # f, and the Globex token accepted.
    refused = words((tmp_path / "one" / "step-16.svg").read_text())
    assert "the token is for the organization acme" in refused
    assert "does not allow globex" in refused and "Press f to apply the fix" in refused
    fixed = words((tmp_path / "one" / "step-17.svg").read_text())
    assert "organization globex (org_" in fixed
    accepted = words((tmp_path / "one" / "step-18.svg").read_text())
    assert "destination=Paris" in accepted and "← 200" in accepted

    def slide(action: str, nth: int = 0) -> str:
        step = [s for s in script.steps if s.action == action][nth]
        return words((tmp_path / "one" / f"step-{step.number:02d}.svg").read_text())

    # A claim from an Action: refused without it, previewed missing, the Action deployed,
    # previewed present (set by the Action), then accepted with a new token.
    assert "claim this API requires" in slide("require_claim")
    assert answered.get("GET /api/directions") == "200"
    missing = slide("preview")
    assert "Next token for giftdeliveries" in missing and "[claim_required]" in missing
    assert "setCustomClaim" in slide("deploy_action")
    present = slide("preview", 1)
    assert "Action Add partner tier" in present and "✓ GET /api/directions" in present
    tier_calls = [s for kind, s in statuses if kind == "call"]
    dpop = slide("require_dpop")
    assert "invalid_dpop_proof" in dpop
    bound = slide("use_dpop")
    assert "Authorization: DPoP" in bound and "← 200" in bound
    # Mutual TLS: bound to one certificate, accepted with it, refused with another.
    mtls = slide("use_mtls")
    assert "other certificate" in mtls and "✗ certificate" in mtls and "x5t#S256" in mtls
    assert "401" in tier_calls  # the tier API's refusal, before the Action


@pytest.mark.slow
def test_a_custom_script_from_the_command_line(tmp_path):
    script = tmp_path / "mine.toml"
    script.write_text(
        'title = "Mine"\n'
        '[[step]]\ncaption = "A token."\naction = "token"\n'
        '[[step]]\ncaption = "Paris, please."\naction = "call"\n'
        'endpoint = "/api/directions"\nparams = { destination = "Paris, France" }\n'
        '[[step]]\ncaption = "That is all."\naction = "pause"\n'
    )
    result = run_cli(tmp_path, "demo", "--script", str(script), "--slides", str(tmp_path / "s"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        "step-01.svg",
        "step-02.svg",
        "step-03.svg",
    ]
    shown = words((tmp_path / "s" / "step-02.svg").read_text())
    assert "destination=Paris%2C+France" in shown and "← 200" in shown
    # Never a silent wait: the tenant starting, then each slide as it is made (piped,
    # a line each; a terminal gets a progress bar).
    said = result.stderr.splitlines()
    assert said[0] == "Starting the demo's own tenant on free ports…"
    assert said[1:4] == [
        "slide 1/3: A token.",
        "slide 2/3: Paris, please.",
        "slide 3/3: That is all.",
    ]


@pytest.mark.slow
def test_a_failing_step_exits_1_naming_it(tmp_path):
    script = tmp_path / "broken.toml"
    script.write_text(
        '[[step]]\ncaption = "A token."\naction = "token"\n'
        '[[step]]\ncaption = "Nowhere."\naction = "call"\nendpoint = "/api/nowhere"\n'
    )
    result = run_cli(tmp_path, "demo", "--script", str(script), "--slides", str(tmp_path / "s"))
    assert result.returncode == 1
    assert "step 2 (call): the API has no endpoint /api/nowhere" in result.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[[step]]\ncaption = "x"\naction = "fly"\n')
    refused = run_cli(tmp_path, "demo", "--script", str(bad))
    assert refused.returncode == 2 and "step 1: action must be one of" in refused.stderr
    assert "Traceback" not in refused.stderr


async def test_the_presenters_keys():
    script = parse_script(
        '[[step]]\ncaption = "First."\naction = "token"\n'
        '[[step]]\ncaption = "Second."\naction = "pause"\n',
        "keys.toml",
    )
    tenant = start_demo_tenant({step.action for step in script.steps})
    try:
        app = DemoApp(tenant.session(), script, tenant.introspecting_url)
        async with app.run_test(size=(120, 36)) as pilot:

            def caption() -> str:
                return str(app.text)

            assert "2 steps on a fresh tenant" in caption()
            await pilot.press("space")
            await settle(pilot)
            assert caption().startswith("First.") and app.session.token
            await pilot.press("right")
            await settle(pilot)
            assert caption().startswith("Second.")
            await pilot.press("left")
            assert "shown again: its action is not undone" in caption()
            await pilot.press("right")
            assert "Second." in caption() and "already done" in caption()
            await pilot.press("space")
            assert caption().startswith("End of the demo.")
            await pilot.press("r")
        assert app.return_value == "restart"
    finally:
        tenant.close()


def test_a_terminal_sees_one_progress_step_per_slide():
    import io

    from rich.console import Console

    from m2m_tui.commands.demo_progress import SlideProgress

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, color_system=None)
    shown = []
    with SlideProgress(console, 3) as progress:
        for index, caption in enumerate(["A token.", "Paris, please.", "That is all."]):
            progress.started(index, caption)
            progress.bar.refresh()
            shown.append(out.getvalue())
            progress.finished(index)
    assert "slide 1/3: A token." in shown[0] and "slide 2/3: Paris, please." in shown[1]
    completed = [t.completed for t in progress.bar.tasks]
    assert completed == [3]  # one step per slide, all three done


@pytest.mark.slow
async def test_at_80x24_the_header_and_the_footer_fit():
    """The story's long title gives way to the profile in the header, and the presenter's
    keys, `q Quit` included, stay on the footer."""
    script = load_script(None)
    tenant = start_demo_tenant({script.steps[0].action})
    try:
        app = DemoApp(tenant.session(), script, tenant.introspecting_url)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            shown = screen_words(app)
            assert "m2m-tui demo — local · giftdeliveries → urn:worldmappers" in shown, shown
            assert "…" not in shown.split("urn:worldmappers")[0], shown
            assert script.title in shown  # in the first caption
            for key in ("← Back", "→ Next", "r Restart", "? Help", "q Quit"):
                assert key in shown, (key, shown)
        wide = DemoApp(tenant.session(), script, tenant.introspecting_url)
        async with wide.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            assert wide.title == f"m2m-tui demo · {script.title}"
    finally:
        tenant.close()
