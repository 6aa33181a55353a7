"""`m2m-tui demo --slides` on a busy machine (issue 44): two CPU-bound processes load both
cores, and the built-in story still completes every step, each slide showing the event
its step waited for (the token, the call's answer, the diagnosis), not a screen caught
halfway."""

from __future__ import annotations

import sys

import pytest

from m2m_tui.demo.script import load_script
from tests.conftest import run_cli
from tests.helpers.processes import spawn
from tests.helpers.tui import svg_text as words

HOG = "while True: pass"


@pytest.mark.under_load  # not beside the suite: alone, as .ci/run runs it
@pytest.mark.timeout(1500)  # 28 steps with both cores taken: many minutes, never a hang
def test_demo_slides_complete_every_step_while_both_cores_are_busy(tmp_path):
    script = load_script(None)
    hogs = [spawn([sys.executable, "-c", HOG]) for _ in range(2)]
    try:
        result = run_cli(tmp_path, "demo", "--slides", str(tmp_path / "slides"), timeout=1400)
        still_loaded = [hog.poll() is None for hog in hogs]
    finally:
        for hog in hogs:
            hog.stop()
    assert still_loaded == [True, True]  # the load lasted the whole story
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    total = len(script.steps)
    assert f"wrote {total} slides" in result.stdout
    said = [line for line in result.stderr.splitlines() if line.startswith("slide ")]
    assert [line.split(":")[0] for line in said] == [
        f"slide {n}/{total}" for n in range(1, total + 1)
    ]
    folder = tmp_path / "slides"
    assert sorted(p.name for p in folder.iterdir()) == [
        f"step-{n:02d}.svg" for n in range(1, total + 1)
    ]

    def slide(number: int) -> str:
        return words((folder / f"step-{number:02d}.svg").read_text())

    for step in script.steps:
        assert step.caption.split(".")[0][:40] in slide(step.number), step.number
    # The events the steps waited for are on their slides: the token received, the 403
    # answered and diagnosed, the grant's new token diffed against the old one, the
    # call that now succeeds, the old-key token refused once revoked; the exchange act's
    # refusal of the forwarded token, its act chain, and the exchanged token's 200.
    assert "✓ Token received" in slide(1)
    assert "REJECTED" in slide(7) and "missing geocode:location" in slide(7)
    assert "instead of forwarding it" in slide(4) and "act: acts now" in slide(5)
    assert "exchanged from #1" in slide(6)
    assert "Token diff: row" in slide(9)
    assert "← 200" in slide(10)
    assert "The API refuses the old-key token (401)" in slide(12)
    assert "does not allow globex" in slide(16) and "Press f to apply the fix" in slide(16)
    assert "organization globex (org_" in slide(17)
    mtls = slide(total)
    assert "other certificate" in mtls and "✗ certificate" in mtls
