"""A worker that raises ends in a message (issue #44): whatever goes wrong inside a token
request, a call, a diagnosis, … (an exception of any kind), the app shows an error line
where the user was waiting, names it in a notice, logs the traceback, and is idle again.

Each job (tui/jobs.py's JOBS) has a scenario below: the core function it calls made to
raise RuntimeError, then ValueError, then (for most) put back and the action done again.
A job without a scenario fails `test_every_job_has_a_scenario`."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

import m2m_tui.tui
from m2m_tui.session.exchanges import Exchanges
from m2m_tui.session.explainer import Explainer
from m2m_tui.session.fixes import Fixes
from m2m_tui.session.grants import GrantsModel
from m2m_tui.session.session import Session
from m2m_tui.session.token_status import TokenStatus
from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.jobs import JOBS
from tests.helpers.tui import busy_workers, notes, settle, text_of

INJECTED = (RuntimeError("boom [bold]not markup[/]"), ValueError("bad value"))


def raising(exc: Exception):
    """A stand-in for a core function: it raises `exc`, sync or awaited alike."""

    async def async_raise(*args, **kwargs):
        raise exc

    def sync_raise(*args, **kwargs):
        raise exc

    return async_raise, sync_raise


@dataclass(frozen=True)
class Scenario:
    target: tuple[object, str]  # the core function the job calls
    act: Callable[[object], Awaitable[None]]  # what the user does (given the pilot)
    where: str  # the widget the line shows in ("notes": the notice line)
    before: tuple[str, ...] = ()  # keys pressed first (a token, the API tab)
    # Once the function is put back and `act` redone: shown there (or true of the app).
    works: str | Callable[[object], object] | None = None
    fresh: bool = False  # the redone action changes the tenant: a stack of its own


def keys(*pressed: str):
    async def act(pilot) -> None:
        await pilot.press(*pressed)

    return act


def call(method: str, *args):
    """The app's own method, as a key or a message would call it."""

    async def act(pilot) -> None:
        getattr(pilot.app, method)(*args)

    return act


async def refused_token(pilot) -> None:
    """A new token with a wrong secret: refused, and the refusal explained in Why?."""
    from dataclasses import replace

    session = pilot.app.session
    session.use(replace(session.profile, client_secret="not-the-secret"))
    await pilot.press("n")


async def exchange_as_admin(pilot) -> None:
    """`x` on the Token tab, the admin profile picked: a client no exchange profile lists."""
    pilot.app.token_tab.exchange("admin")


MAIN = {
    "TokenTab.token_worker": Scenario(
        (Session, "get_token"), keys("n"), "#token-view", works="✓ Token received"
    ),
    "ApiTab.call_worker": Scenario(
        (Session, "call"), keys("c"), "#api-response", before=("t", "a"), works="← 403"
    ),
    "WhyTab.diagnose_worker": Scenario(
        (Explainer, "diagnose"), keys("d"), "#why-view", before=("t", "a"), works="REJECTED"
    ),
    "WhyTab.explain_worker": Scenario(
        (Explainer, "explain"),
        keys("a", "c"),
        "#why-view",
        before=("t",),
        works="REJECTED",
    ),
    "WhyTab.explain_request_worker": Scenario(
        ("m2m_tui.session.request_diagnosis.diagnose_refusal", ""),
        refused_token,
        "#why-view",
        works="Token request refused",
    ),
    "WhyTab.fix_worker": Scenario(
        (Fixes, "grant_scope"),
        keys("f"),
        "notes",
        before=("t", "a", "c"),
        works="a new token was requested",
        fresh=True,
    ),
    "LabTab.lab_worker": Scenario(
        (Explainer, "diagnose"), keys("l"), "#lab-view", before=("t", "a"), works="variant"
    ),
    "InspectorTab.inspect": Scenario(
        (Explainer, "inspect"), keys("n"), "#inspection", works="Claims"
    ),
    "PreviewTab.refresh_preview": Scenario(
        (Session, "preview"), keys("P"), "#preview-view", works="geocode"
    ),
    "BundledServerUse.start_up": Scenario(
        (Session, "load_api"),
        call("start_up"),
        "#token-status",
        works=lambda app: app.session.endpoints and app.query_one("#endpoints").row_count,
    ),
    "M2MApp.revoke_worker": Scenario(
        (TokenStatus, "revoke_token"), keys("v"), "notes", before=("t",), works="Revoked at"
    ),
    "HistoryTab.export": Scenario(
        ("m2m_tui.tui.history_tab.export_history", ""),
        keys("e"),
        "notes",
        before=("t",),
        works="Exported 1 entry",
    ),
    "ExchangeKey.exchange_worker": Scenario(
        (Exchanges, "exchange"),
        exchange_as_admin,
        "#token-view",
        before=("t",),
        works="Exchange refused: unauthorized_client",
    ),
    "M2MApp.switch_profile": Scenario(
        (Session, "switch"),
        call("switch_profile", "admin"),
        "#token-status",
        works="Switched to profile admin",
    ),
}


def shown(app, where: str, since: int = 0) -> str:
    """What `where` shows; for the notice line, the notices said since the `since`th."""
    if where == "notes":
        from m2m_tui.tui.notice_line import NoticeLine

        return " ".join(app.screen_stack[0].query_one(NoticeLine).said[since:])
    return " ".join(text_of(app.query_one(where)).split())


def patch(monkeypatch, target, exc: Exception) -> None:
    async_raise, sync_raise = raising(exc)
    owner, name = target
    if isinstance(owner, str):  # a module's name, as the tab imported it
        monkeypatch.setattr(owner, sync_raise)
        return
    attr = getattr(owner, name)
    import inspect

    monkeypatch.setattr(
        owner, name, async_raise if inspect.iscoroutinefunction(attr) else sync_raise
    )


@pytest.mark.parametrize("name", sorted(MAIN))
async def test_a_job_that_raises_says_so_and_the_tab_works_again(name, request, monkeypatch):
    scenario = MAIN[name]
    session = request.getfixturevalue("fresh_session" if scenario.fresh else "session")
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        for key in scenario.before:
            await pilot.press(key)
            await settle(pilot)
        for exc in INJECTED:
            with monkeypatch.context() as m:
                patch(m, scenario.target, exc)
                await scenario.act(pilot)
                await settle(pilot)
                said = shown(app, scenario.where)
                words = f"{JOBS[name].failed}: {type(exc).__name__}: {exc}"
                assert words in said, said  # the exception's own text, not read as markup
                assert "Traceback" not in said
                # The notice names it, and where the traceback went.
                log = session.state_dir / "errors.log"
                assert words in notes(app) and f"traceback in {log}" in notes(app)
                assert f"{type(exc).__name__}: {exc}" in log.read_text()
                assert not busy_workers(app)
                assert not app.query("#token-spinner.busy")
                assert app.query_one("#api-tab").in_flight is None
        if scenario.works is not None:
            from m2m_tui.tui.notice_line import NoticeLine

            since = len(app.query_one(NoticeLine).said)
            await scenario.act(pilot)
            await settle(pilot)
            if callable(scenario.works):
                assert scenario.works(app)
                return
            said = shown(app, scenario.where, since)
            assert scenario.works in said and JOBS[name].failed not in said, said


GRANTS = {
    "GrantsScreen.connect": ("connect", "#grants-status"),
    "GrantEditor.update_worker": ("update", "#grants-status"),
    "GrantEditor.toggle_worker": ("authorize", "#grants-status"),
    "GrantEditor.dpop_worker": ("toggle_dpop", "#grants-status"),
    "GrantEditor.mtls_worker": ("toggle_mtls", "#grants-status"),
    "GrantEditor.dialect_worker": ("next_dialect", "#grants-status"),
    "GrantEditor.certificate_worker": ("register_certificate", "#grants-status"),
    "GrantEditor.test_worker": ("test", "#diff"),
    "GrantEditor.scope_worker": ("add_api_scope", "#grants-status"),
    "GrantEditor.remove_scope_worker": ("remove_api_scope", "#grants-status"),
    "GrantEditor.client_worker": ("create_client", "#grants-status"),
    "GrantOrganizations.load_worker": ("grant_organizations", "#org-note"),
    "GrantOrganizations.usage_worker": ("set_organization_usage", "#grants-status"),
    "GrantOrganizations.associate_worker": ("set_associated", "#grants-status"),
    "GrantOrganizations.create_worker": ("create_organization", "#grants-status"),
    "SigningKeys.rotate": ("rotate_key", "#keys-status"),
    "SigningKeys.revoke": ("revoke_key", "#keys-status"),
    "SigningKeys.check_old": ("diagnose", "#keys-status"),
}


def start_grants_job(screen, name: str) -> None:
    """The job as its key or button starts it, on the first API and client shown."""
    model = screen.model
    api = next(a for a in model.apis if a["identifier"] == "urn:worldmappers")
    client = "giftdeliveries"
    grant = model.grant_for(client, api["identifier"])
    editor = screen.editor
    editor.show(api, client)
    orgs = editor.query_one("#grant-orgs")
    keys = screen.query_one("#signing-keys")
    keys.old_token = model.session.token
    start = {
        "GrantsScreen.connect": lambda: screen.connect(),
        "GrantEditor.update_worker": lambda: editor.update_worker(
            client, api["identifier"], grant["scope"], grant["scope"]
        ),
        "GrantEditor.toggle_worker": lambda: editor.toggle_worker(client, api["identifier"], True),
        "GrantEditor.dpop_worker": lambda: editor.dpop_worker(api),
        "GrantEditor.mtls_worker": lambda: editor.mtls_worker(api),
        "GrantEditor.dialect_worker": lambda: editor.dialect_worker(api),
        "GrantEditor.certificate_worker": lambda: editor.certificate_worker(client),
        "GrantEditor.test_worker": lambda: editor.test_worker(client, api["identifier"]),
        "GrantEditor.scope_worker": lambda: editor.scope_worker("x:y", "an extra"),
        "GrantEditor.remove_scope_worker": lambda: editor.remove_scope_worker("x:y"),
        "GrantEditor.client_worker": lambda: editor.client_worker("Another"),
        "GrantOrganizations.load_worker": lambda: orgs.load_worker(grant["id"]),
        "GrantOrganizations.usage_worker": lambda: orgs.usage_worker(grant, usage="allow"),
        "GrantOrganizations.associate_worker": lambda: orgs.associate_worker(grant, "org_x", True),
        "GrantOrganizations.create_worker": lambda: orgs.create_worker("acme2", ""),
        "SigningKeys.rotate": lambda: keys.rotate(),
        "SigningKeys.revoke": lambda: keys.revoke(),
        "SigningKeys.check_old": lambda: keys.check_old(),
    }
    start[name]()


@pytest.mark.parametrize("name", sorted(GRANTS))
async def test_a_grants_screen_job_that_raises_says_so(name, session, monkeypatch):
    """The Grants screen's jobs: said on its status line (or where the job shows its
    answer), each time; the screen's keys and escape work on. The tenant is never
    changed: every change is the injected failure."""
    method, where = GRANTS[name]
    owner = Explainer if method == "diagnose" else GrantsModel
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        screen = app.screen
        assert "Management API of" in text_of(screen.query_one("#grants-status"))
        for exc in INJECTED:
            with monkeypatch.context() as m:
                patch(m, (owner, method), exc)
                start_grants_job(screen, name)
                await settle(pilot)
                said = " ".join(text_of(screen.query_one(where)).split())
                words = f"{JOBS[name].failed}: {type(exc).__name__}: {exc}"
                assert words in said, said
                assert not screen.running()
        for _ in range(2):  # out of a text box, then (nothing in flight) back to the app
            if app.screen is not app.screen_stack[0]:
                await pilot.press("escape")
                await settle(pilot)
        assert app.screen is app.screen_stack[0]


def test_every_job_has_a_scenario():
    """A new worker (an @job or @step in tui/) without a scenario here is visible."""
    for module in pkgutil.walk_packages(m2m_tui.tui.__path__, "m2m_tui.tui."):
        importlib.import_module(module.name)
    covered = set(MAIN) | set(GRANTS) | set(ELSEWHERE)
    assert set(JOBS) == covered


# Jobs whose failure is tested in their own module's tests.
ELSEWHERE = {
    "FirstFrameLoading.after_first_paint": "test_loading_that_raises_is_said_on_the_first_frame",
    "DemoApp.run_step": "test_a_demo_step_that_raises_is_captioned",
}


async def test_loading_that_raises_is_said_on_the_first_frame(tmp_path, shared_stack, monkeypatch):
    from m2m_tui.session.loader import SessionLoader
    from m2m_tui.tui.first_frame import FirstFrame
    from tests.helpers.sessions import make_session

    opened = make_session(tmp_path, shared_stack.issuer, shared_stack.api_url)
    loader = SessionLoader(opened.config, tmp_path / "state", opened.profile)
    monkeypatch.setattr(SessionLoader, "load", raising(RuntimeError("boom"))[1])
    app = M2MApp(loader, autostart=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        first = " ".join(text_of(app.query_one(FirstFrame)).split())
        assert "✗ Loading the app failed: RuntimeError: boom" in first
        assert "Loading the app failed: RuntimeError: boom" in notes(app)
        assert "RuntimeError: boom" in (tmp_path / "state" / "errors.log").read_text()
        assert not busy_workers(app)
        await pilot.press("q")  # the keys that work before the tabs still do
        await pilot.pause()
    assert app.return_code == 0


async def test_a_demo_step_that_raises_is_captioned(session, monkeypatch):
    from m2m_tui.demo.script import load_script
    from m2m_tui.tui.demo import DemoApp

    app = DemoApp(session, load_script(None))
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        with monkeypatch.context() as m:
            m.setattr(DemoApp, "perform", raising(RuntimeError("boom"))[0])
            await pilot.press("space")
            await settle(pilot)
            assert "✗ The step failed: RuntimeError: boom" in app.text.plain
            assert "r restarts" in app.text.plain
            assert not app.busy and not busy_workers(app)
        await pilot.press("space")  # the next step runs
        await settle(pilot)
        assert app.done == 1 and "The step failed" not in app.text.plain
