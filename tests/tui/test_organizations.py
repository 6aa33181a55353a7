"""Organizations for M2M in the app: the Token tab's summary names the token's
organization, and the predictions mark the endpoints an organization-serving API will
refuse because of it."""

from __future__ import annotations

from textual.widgets import DataTable

from m2m_tui.config.file import load_config
from m2m_tui.session.session import Session
from m2m_tui.tui.app import M2MApp
from tests.commands.test_organizations import configure
from tests.resource.test_organizations import org_stack  # noqa: F401 (a fixture)
from tests.tui.conftest import settle, text_of


async def run_app(tmp_path, stack, organization):
    tmp_path.mkdir()
    configure(tmp_path, stack, organization)
    session = Session.open(load_config(tmp_path / "config.toml"), tmp_path / "state")
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        summary = " ".join(text_of(app.query_one("#token-summary")).split())
        table = app.query_one("#endpoints", DataTable)
        predictions = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
    return summary, predictions


async def test_the_summary_and_the_predictions(tmp_path, org_stack):  # noqa: F811
    summary, predictions = await run_app(tmp_path / "acme", org_stack, "acme")
    assert "organization acme (org_" in summary
    assert not any("organization" in p for p in predictions), predictions
    summary, predictions = await run_app(tmp_path / "none", org_stack, None)
    assert "organization" not in summary
    assert predictions and all("no organization (org_id)" in p for p in predictions)
    _, predictions = await run_app(tmp_path / "globex", org_stack, "globex")
    assert all("organization globex not served" in p for p in predictions), predictions
