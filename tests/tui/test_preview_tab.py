"""The Preview tab at 80×24: the comparison one key away after `t`, claim names whole,
and a denied token shown as a denial, not as claims that will never exist."""

from __future__ import annotations

from rich.console import Console
from textual.widgets import TabbedContent

from m2m_tui.tui.app import M2MApp
from tests.conftest import run_cli
from tests.helpers.sessions import make_session
from tests.helpers.tui import notes, settle, text_of


def as_shown(app) -> list[str]:
    """The Preview tab's lines at the width it has on screen."""
    view = app.query_one("#preview-view")
    console = Console(width=view.content_region.width, record=True, color_system=None)
    console.print(view.content)
    return console.export_text().splitlines()


async def test_after_t_p_shows_the_comparison_without_previewing_again(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)
        previewed = app.preview_tab.found
        assert previewed is not None and previewed.issued
        await pilot.press("t")
        await settle(pilot)
        assert app.query_one("#tabs", TabbedContent).active == "token"
        said = notes(app)
        assert "The token is the preview" in said and "P shows both" in said, said
        await pilot.press("P")  # what the notice says
        await settle(pilot)
        assert app.query_one("#tabs", TabbedContent).active == "preview"
        assert app.preview_tab.found is previewed  # not previewed again
        lines = as_shown(app)
        assert any("the token" in line for line in lines[:3]), lines  # the real token beside
        assert any("The token is the preview" in line for line in lines), lines
        # Each claim's name whole at the start of its row, never broken mid-word.
        starts = {line.split()[0] for line in lines if line.strip()}
        for name in previewed.claims:
            assert name in starts, (name, lines)
        await pilot.press("P")  # on the Preview tab: a new preview, the token beside it gone
        await settle(pilot)
        assert app.preview_tab.found is not previewed and app.preview_tab.real is None


DENY = """exports.onExecuteCredentialsExchange = async (event, api) => {
  if (event.resource_server.identifier === "urn:worldmappers") {
    api.access.deny("invalid_request", "paused for the [holidays]");
  }
};"""


async def test_a_denied_token_is_previewed_as_the_denial_and_its_fix(tmp_path, stack):
    session = make_session(tmp_path, stack.issuer, stack.api_url)  # writes config.toml
    (tmp_path / "pause.js").write_text(DENY)
    deployed = run_cli(tmp_path, "actions", "deploy", str(tmp_path / "pause.js"), "--bind")
    assert deployed.returncode == 0, deployed.stderr
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)
        shown = text_of(app.query_one("#preview-view"))
        assert "✗ no token" in shown and "paused for the [holidays]" in shown, shown
        assert "denied by Action pause" in shown
        assert "A credentials-exchange Action denied the token" in shown  # what to change
        # No claims of a token that will never exist.
        assert "previewed" not in shown and "giftdeliveries@clients" not in shown, shown
        assert "The API's verdict" not in shown
