"""`m2m-tui demo`: the app itself, driven step by step through a walkthrough, each step
captioned for the audience and performed in the real views (Token, Inspector, API, Why?,
Lab, Grants), on a tenant of its own."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, LoadingIndicator, SelectionList, Static, TabbedContent
from textual.worker import NoActiveWorker, get_current_worker

from m2m_tui.demo.environment import GLOBEX_PROFILE
from m2m_tui.demo.script import Script, Step, StepFailed
from m2m_tui.session.session import Session
from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.demo_claim_act import ClaimAct
from m2m_tui.tui.demo_exchange_act import IN_ACT, ExchangeAct
from m2m_tui.tui.demo_key_acts import KeyActs
from m2m_tui.tui.demo_waits import Waits
from m2m_tui.tui.grants import GrantsScreen
from m2m_tui.tui.jobs import job
from m2m_tui.tui.messages import (
    ApiLoaded,
    CallAnswered,
    FixApplied,
    LabDone,
    TokenReceived,
)


class CaptionBar(Horizontal):
    """The step's caption, above the views on every screen the demo shows."""

    DEFAULT_CSS = """
    CaptionBar { height: auto; background: $boost; padding: 0 1; }
    CaptionBar #demo-caption { width: 1fr; height: auto; }
    CaptionBar #demo-spinner { width: 4; height: 1; display: none; }
    CaptionBar #demo-spinner.busy { display: block; }
    """

    def __init__(self, text: Text, classes: str = "") -> None:
        super().__init__(classes=classes)
        self.text = text

    def compose(self) -> ComposeResult:
        yield LoadingIndicator(id="demo-spinner")
        yield Static(self.text, id="demo-caption")

    def show(self, text: Text, busy: bool) -> None:
        self.query_one("#demo-caption", Static).update(text)
        self.query_one("#demo-spinner").set_class(busy, "busy")


class DemoApp(Waits, ClaimAct, KeyActs, ExchangeAct, M2MApp):
    # The tabs take what the caption leaves: the screen itself must not scroll.
    CSS = "#tabs { height: 1fr; }"
    BINDINGS = [
        Binding("space,right", "next_step", "Next", priority=True),
        Binding("left", "previous_step", "Back", priority=True),
        Binding("r", "restart", "Restart"),
        Binding("q", "quit", "Quit"),
        # The presenter's keys come first in the footer: at 80 columns the app's own
        # (t, c, d, g) would push `q Quit` off it. They still work, and ? lists them.
        Binding("t", "token", "Token", show=False),
        Binding("c", "call", "Call", show=False),
        Binding("d", "diagnose", "Why?", show=False),
        Binding("g", "grants", "Grants", show=False),
    ]

    def __init__(
        self, session: Session, script: Script, introspecting_api: str | None = None
    ) -> None:
        super().__init__(session, autostart=False)
        self.script = script
        self.introspecting_api = introspecting_api  # the tenant's second, introspecting API
        self.index = -1  # the step shown; -1 before the first
        self.done = -1  # the last step performed
        self.busy = False
        self.failed: str | None = None
        self.text = Text()

    def compose(self) -> ComposeResult:
        yield CaptionBar(self.text)
        yield from super().compose()

    def on_mount(self) -> None:
        super().on_mount()
        self.fit_title()
        self.caption(
            f"{self.script.title}: {len(self.script.steps)} steps on a fresh tenant of its own.",
            "space or → starts; ← goes back a caption; r restarts; q quits.",
        )

    def on_resize(self) -> None:
        self.fit_title()

    def show_subtitle(self) -> None:
        super().show_subtitle()  # a step that switches profile changes it
        if hasattr(self, "script"):
            self.fit_title()

    def fit_title(self) -> None:
        """The story's title in the header when it fits beside the profile; at 80 columns
        it would cut the profile to "— lo…", and the first caption names the story."""
        full = f"m2m-tui demo · {self.script.title}"
        room = self.size.width - 12  # the header's icon, clock and margins
        self.title = full if len(full) + 3 + len(self.sub_title) <= room else "m2m-tui demo"

    def caption(self, text: str, hint: str = "", style: str = "bold") -> None:
        self.text = Text.assemble((text, style), ("\n" + hint if hint else "", "dim"))
        self.refresh_captions()

    def refresh_captions(self) -> None:
        for screen in self.screen_stack:
            for bar in screen.query(CaptionBar):
                bar.show(self.text, self.busy)

    def action_grants(self) -> None:
        super().action_grants()
        # The Grants screen is the app's own; the demo adds its caption on top.
        self.screen.mount(CaptionBar(self.text), before=0)

    def show_step(self, index: int, note: str = "") -> None:
        step = self.script.steps[index]
        total = len(self.script.steps)
        self.caption(step.caption, f"Step {index + 1} of {total}{note} · space next · ← back")

    # --- keys --------------------------------------------------------------------------
    def action_next_step(self) -> None:
        if self.busy:
            return  # one step at a time: the action in flight finishes first
        if self.index < self.done:  # walking forward again through captions already shown
            self.index += 1
            self.show_step(self.index, " (already done)")
            return
        if self.done + 1 >= len(self.script.steps):
            self.caption(
                "End of the demo.", "← goes back through the captions; r restarts; q quits."
            )
            return
        self.run_step(self.done + 1)

    def action_previous_step(self) -> None:
        if self.busy or self.index <= 0:
            return
        self.index -= 1
        self.show_step(self.index, " (shown again: its action is not undone)")

    def action_restart(self) -> None:
        self.exit("restart")

    @job("demo", "The step failed")
    async def run_step(self, index: int) -> None:
        await self.perform_step(index)

    def job_failed(self, group: str, line: Text) -> None:
        """A step that raised is captioned as one that failed; the app's own jobs as ever."""
        if group != "demo":
            super().job_failed(group, line)
            return
        self.failed = f"step {self.index + 1}: {line.plain.removeprefix('✗ ')}"
        self.caption(line.plain, "r restarts on a fresh tenant.", "bold red")

    async def perform_step(self, index: int) -> bool:
        """Show the step's caption and do its action; False (and the caption says why)
        when it failed."""
        self.busy = True
        self.index = self.done = index
        self.show_step(index)
        try:
            await self.perform(self.script.steps[index])
        except StepFailed as exc:
            self.failed = f"step {index + 1} ({self.script.steps[index].action}): {exc}"
            self.caption(
                f"✗ Step {index + 1} failed: {exc}", "r restarts on a fresh tenant.", "bold red"
            )
            return False
        finally:
            self.busy = False
            self.refresh_captions()
        return True

    # --- the actions -------------------------------------------------------------------
    async def idle(self, what: str) -> None:
        """Until the Grants screen has done what a widget's message set going (a row
        highlighted, a pane shown): no other worker left and every message queued so far
        handled, twice in a row. Only where no message or state marks the end; the steps
        wait for their own events (demo_waits.py). Past the deadline, `what` is named."""
        try:
            me = get_current_worker()
        except NoActiveWorker:
            me = None  # --slides: steps run straight from the test harness's task
        deadline = self.deadline()
        await self.loaded.wait()  # the tabs, mounted after the first frame
        quiet = 0
        while quiet < 2:
            if time.monotonic() > deadline:
                raise self.gave_up(what)
            if any(not w.is_finished and w is not me for w in self.workers):
                quiet = 0
                await asyncio.sleep(0.02)
                continue
            await self.drained()
            quiet += 1

    async def drained(self) -> None:
        """Every message queued on the screen's widgets and the app has been handled.
        Children first, then their parents: a message a child bubbles up while handling
        its queue reaches the parent's queue before we look there."""
        nodes = [*reversed(list(self.screen.walk_children(with_self=True))), self]
        for node in nodes:
            done = asyncio.get_running_loop().create_future()
            if node.call_later(done.set_result, None):
                await done

    async def leave_grants(self) -> None:
        if isinstance(self.screen, GrantsScreen):
            await self.screen.model.close()
            self.screen.dismiss(None)
            await self.until("the Grants screen to close", lambda: self.screen is self.main)
            # after_grants shows the current token again: the inspector reads it.
            await self.group_finished("inspect", "the inspector's reading of the token")
            # The main screen, resumed, gives focus back to the widget that had it, and a
            # pane that receives focus makes itself the active tab: a chain of messages no
            # event marks the end of. Until it has run, a tab the next step shows would be
            # taken back by it (the API tab over the refused token request of step 23).
            await self.idle("the main screen back, its focus restored")

    async def grants_screen(self, pane: str = "grants-pane") -> GrantsScreen:
        if not isinstance(self.screen, GrantsScreen):
            self.action_grants()
            await self.until("the Grants screen", lambda: isinstance(self.screen, GrantsScreen))
        screen = self.screen
        assert isinstance(screen, GrantsScreen)
        await self.until("the Grants screen to mount", lambda: screen.is_mounted)
        await self.group_finished("grants", "the tenant's clients, grants and keys")
        screen.query_one("#grants-tabs", TabbedContent).active = pane
        await self.idle(f"the Grants screen's {pane}")
        return screen

    @property
    def main(self):
        return self.screen_stack[0]

    async def profile_switched(self, name: str) -> None:
        heard = self.heard(ApiLoaded)
        self.switch_profile(name)
        await self.group_finished("startup", f"the start of the profile {name}")
        await self.until_heard(ApiLoaded, heard, f"the API's endpoints for the profile {name}")

    async def perform(self, step: Step) -> None:
        if step.action not in ("grant", "remove", "rotate", "revoke", "organizations", "pause"):
            await self.leave_grants()
        if step.action not in IN_ACT:
            await self.leave_act()  # the exchange act's profile, back to the one before
        action = getattr(self, "do_" + step.action)
        await action(step)

    async def do_pause(self, step: Step) -> None:
        pass

    async def get_token(self) -> None:
        heard = self.heard(TokenReceived)
        self.action_new_token()
        await self.group_finished("token", "the token request")
        await self.until_heard(TokenReceived, heard, "the token (the token tab's answer)")
        await self.group_finished("inspect", "the inspector's reading of the token")
        outcome = self.session.token_outcome
        if outcome is None or not outcome.ok:
            said = f"{outcome.error}: {outcome.description}" if outcome else "no answer"
            raise StepFailed(f"no token ({said})")

    async def do_token(self, step: Step) -> None:
        await self.get_token()

    async def do_new_token(self, step: Step) -> None:
        await self.get_token()
        self.action_show_tab("history")
        if self.history.diff_last_two_tokens():
            await self.until(
                "the diff of the last two tokens in History",
                lambda: self.history.diffed == self.history.last_two_tokens(),
            )

    async def do_inspect(self, step: Step) -> None:
        if not self.session.token:
            raise StepFailed("no token to inspect: put a token step first")
        self.action_show_tab("inspector")

    async def select(self, step: Step, default: str = "/api/directions"):
        if not self.session.endpoints:
            await self.api_tab.load_endpoints()
        path = step.endpoint or default
        endpoint = await self.api_tab.prepare(path, step.params)
        if endpoint is None:
            known = ", ".join(e.path for e in self.session.endpoints)
            raise StepFailed(f"the API has no endpoint {path} (it has {known})")
        return endpoint

    async def do_call(self, step: Step) -> None:
        endpoint = await self.select(step)
        self.action_show_tab("api")
        heard = self.heard(CallAnswered)
        self.action_call()
        if not self.running("call") and self.heard(CallAnswered) == heard:
            raise StepFailed(f"the call was not made: {self.api_tab.no_api_reason() or 'no API'}")
        what = f"the answer to {endpoint.method} {endpoint.path}"
        await self.group_finished("call", what)
        await self.until_heard(CallAnswered, heard, what + " (the API tab's CallAnswered)")
        # A refusal opens the Why? panel, explained by a worker of its own.
        await self.group_finished("diagnose", "the Why? panel's diagnosis of the refusal")
        entry = self.session.history[-1] if self.session.history else None
        if entry is None or entry.kind != "call" or entry.result is None or entry.result.error:
            raise StepFailed(entry.result.error if entry and entry.result else "no call was made")

    async def do_why(self, step: Step) -> None:
        await self.select(step)
        raw, endpoint, _ = self.diagnosis_target()
        if missing := self.missing_for_a_call(raw, endpoint):
            raise StepFailed(f"nothing to diagnose: {missing}")
        self.action_diagnose()
        await self.group_finished("diagnose", "the Why? panel's diagnosis")

    async def do_lab(self, step: Step) -> None:
        await self.select(step)
        raw, endpoint, _ = self.diagnosis_target()
        if missing := self.missing_for_a_call(raw, endpoint):
            raise StepFailed(f"no tamper lab: {missing}")
        heard = self.heard(LabDone)
        self.action_tamper_lab()
        await self.group_finished("lab", "the tamper lab's answers")
        await self.until_heard(LabDone, heard, "the tamper lab's answers (LabDone)")

    async def clients_grant(self) -> GrantsScreen:
        """The Grants screen, showing the profile's client's grant."""
        screen = await self.grants_screen()
        clients = screen.query_one("#clients", DataTable)
        client_id = self.session.profile.client_id
        rows = [c["client_id"] for c in screen.model.clients]
        if client_id not in rows:
            raise StepFailed(f"the tenant has no client {client_id}")
        clients.focus()
        clients.move_cursor(row=rows.index(client_id))
        await self.idle(f"the grants of {client_id} on the Grants screen")
        return screen

    async def edit_grant(self, scope: str, grant: bool) -> None:
        screen = await self.clients_grant()
        client_id = self.session.profile.client_id
        scopes = screen.query_one("#scopes", SelectionList)
        if grant:
            scopes.select(scope)
        else:
            scopes.deselect(scope)
        screen.editor.update()
        await self.group_finished("grants", f"the tenant's answer to the change of {scope}")
        granted = screen.model.grant_for(client_id, self.session.profile.audience or "")
        if granted is None or (scope in granted["scope"]) != grant:
            raise StepFailed(f"the grant was not changed ({granted and granted['scope']})")

    async def do_grant(self, step: Step) -> None:
        await self.edit_grant(step.scope or "", True)

    async def do_remove(self, step: Step) -> None:
        await self.edit_grant(step.scope or "", False)

    async def do_organizations(self, step: Step) -> None:
        """On the Grants screen: the organizations created where missing, the client's
        grant set to allow organizations, the first associated; its tokens name it."""
        from textual.widgets import Input, Select

        from m2m_tui.tui.grants.organizations import GrantOrganizations

        if GLOBEX_PROFILE in self.session.config.profiles:
            await self.leave_grants()
            await self.profile_switched(GLOBEX_PROFILE)
        screen = await self.clients_grant()
        orgs = screen.query_one(GrantOrganizations)
        for name in step.organizations:
            if not any(o["name"] == name for o in screen.model.organizations or []):
                box = orgs.query_one("#new-org", Input)
                box.value = name
                await box.action_submit()
                await self.until(
                    f"the organization {name} to be created",
                    lambda name=name: any(
                        o["name"] == name for o in screen.model.organizations or []
                    ),
                )
                await self.group_finished("grants", f"the organization {name}")
        first = next(
            (o for o in screen.model.organizations or [] if o["name"] == step.organizations[0]),
            None,
        )
        if first is None:
            raise StepFailed(f"the organization {step.organizations[0]} was not created")
        audience = self.session.profile.audience or ""
        client_id = self.session.profile.client_id

        def usage() -> str | None:
            grant = screen.model.grant_for(client_id, audience)
            return grant and grant.get("organization_usage")

        orgs.query_one("#org-usage", Select).value = "allow"
        await self.until("the grant to allow organizations", lambda: usage() == "allow")
        await self.group_finished("grants", "the grant's organization usage")
        if first["id"] not in orgs.associated:
            orgs.query_one("#org-list", SelectionList).toggle(first["id"])
            await self.until(
                f"{first['name']} to be associated with the grant",
                lambda: first["id"] in orgs.associated,
            )
            await self.group_finished("grants", f"{first['name']}'s association")
        grant = screen.model.grant_for(self.session.profile.client_id, audience)
        if grant is None or grant.get("organization_usage") != "allow":
            raise StepFailed("the grant does not allow organizations")
        if first["id"] not in orgs.associated:
            raise StepFailed(f"{first['name']} was not associated with the grant")
        self.session.name_organization(first["name"])

    async def do_fix(self, step: Step) -> None:
        why = self.why
        if why.organization_plan is None and not why.fixable_scope:
            said = " ".join(why.shown().split())[:300] or "nothing"
            raise StepFailed(f"the Why? panel offers no fix (it says: {said})")
        self.action_show_tab("why")
        heard = self.heard(FixApplied)
        why.action_apply_fix()
        await self.group_finished("fix", "the fix through the Management API")
        await self.until_heard(FixApplied, heard, "the fix's outcome (FixApplied)")
        # Applied, the app shows the new token: the inspector reads it.
        await self.group_finished("inspect", "the inspector's reading of the new token")
        # Applied, the fix is cleared and FixApplied has shown the new token; failed, it
        # stays offered and the Why? panel says why.
        if why.organization_plan is not None or why.fixable_scope:
            raise StepFailed("the fix was not applied (the Why? panel says why)")
        self.action_show_tab("token")  # the new token, and whose it is


async def write_slides(app: DemoApp, folder: Path, progress=None) -> str | None:
    """Every step, each screen after it as step-NN.svg; the failed step, or None.
    `progress` (started(index, caption), finished(index)) is told of each slide."""
    folder.mkdir(parents=True, exist_ok=True)
    async with app.run_test(size=(120, 38)) as pilot:
        await app.loaded.wait()  # the tabs, mounted after the first frame
        try:
            await app.until_heard(ApiLoaded, 0, "the API's endpoints (the app's start)")
        except StepFailed as exc:  # no step can run: said as the demo's failure, not a crash
            return f"the start, before step 1: {exc}"
        for index, step in enumerate(app.script.steps):
            if progress is not None:
                progress.started(index, step.caption)
            ok = await app.perform_step(index)
            if progress is not None:
                progress.finished(index)
            await pilot.pause()
            name = folder / f"step-{index + 1:02d}.svg"
            name.write_text(app.export_screenshot(title=f"Step {index + 1}"), encoding="utf-8")
            if not ok:
                return app.failed
    return None
