"""The Why? tab: the ordered checks for a token against an endpoint, set beside what the
server answered, and the fix (a missing scope, an organization the grant does not allow)
applied with one key."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from m2m_tui import views
from m2m_tui.api.client import ApiEndpoint, ApiResult
from m2m_tui.diagnosis.token_checks import Diagnosis
from m2m_tui.session.session import Session
from m2m_tui.tui.jobs import job
from m2m_tui.tui.messages import FixApplied, ShowTab


class WhyTab(Vertical):
    DEFAULT_CSS = "WhyTab #why-view { padding: 0 1; }"
    BINDINGS = [Binding("f", "apply_fix", "Apply fix", show=False)]

    def __init__(self, session: Session, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.fixable_scope: str | None = None
        self.organization_plan = None  # an OrganizationPlan f applies
        self.follow: str | None = None  # the tab a diagnosis in flight comes over, if any
        self.request_fix = None  # a refused token request's Fix (token_request.report)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="why-scroll"):
            yield Static(id="why-view")

    def focus_content(self) -> None:
        self.query_one("#why-scroll").focus()

    def diagnose(self, raw: str, endpoint: ApiEndpoint, params: dict[str, str]) -> None:
        self.post_message(ShowTab("why"))
        self.query_one("#why-view", Static).update(
            Text(f"Diagnosing {endpoint.method} {endpoint.path}… (Escape cancels)", style="dim")
        )
        self.follow = None
        self.diagnose_worker(raw, endpoint, params)

    @job("diagnose", "The diagnosis failed")
    async def diagnose_worker(
        self, raw: str, endpoint: ApiEndpoint, params: dict[str, str]
    ) -> None:
        """Make the call with `raw` (a pasted token, say), then explain the answer."""
        diagnosis, result = await self.session.explainer.diagnose(raw, endpoint, params, kind="why")
        if result.status is None:
            self.notify(result.error or "the call failed", severity="error")
        self.show(diagnosis, endpoint, f"{endpoint.method} {result.exchange.url}")

    def explain(
        self, raw: str, endpoint: ApiEndpoint, result: ApiResult, follow: str | None = None
    ) -> None:
        """Explain an answer already received (a refusal in the API tab). With `follow`,
        come to the front only if the user is still on that tab."""
        self.follow = follow
        self.explain_worker(raw, endpoint, result, follow)

    @job("diagnose", "The diagnosis failed")
    async def explain_worker(
        self, raw: str, endpoint: ApiEndpoint, result: ApiResult, follow: str | None
    ) -> None:
        diagnosis = await self.session.explainer.explain(raw, endpoint, result)
        self.show(diagnosis, endpoint, f"{endpoint.method} {result.exchange.url}", follow)

    def explain_request(self, outcome, badge_only: bool = False) -> None:
        """Why the token request of `outcome` was refused; with `badge_only`, ready
        behind a badge rather than brought to the front."""
        self.follow = None
        self.explain_request_worker(outcome, badge_only)

    @job("diagnose", "The diagnosis failed")
    async def explain_request_worker(self, outcome, badge_only: bool) -> None:
        from m2m_tui.diagnosis.token_request.view import request_diagnosis_view
        from m2m_tui.session.request_diagnosis import diagnose_refusal

        found = await diagnose_refusal(self.session, outcome)
        if found is None:
            return
        self.fixable_scope = self.organization_plan = None
        self.request_fix = found.fix
        offer = ""
        if found.fix is not None:
            if self.session.fixes.can_change_grants():
                offer = f"Press f to apply the fix: {found.fix.offer()}, then get a new token."
            else:
                offer = f"(f cannot apply it here: {self.session.admin.why_unmanaged()}.)"
        self.query_one("#why-view", Static).update(request_diagnosis_view(found, offer))
        self.post_message(ShowTab("why", badge_only=badge_only))

    def job_failed(self, group: str, line: Text) -> None:
        """A diagnosis that could not be made says so, and why, where it would have been;
        a fix that failed stays offered, the reason under it."""
        view = self.query_one("#why-view", Static)
        if group == "fix":
            view.update(Group(view.content, line))
            return
        self.fixable_scope = self.organization_plan = None
        view.update(line)
        self.post_message(ShowTab("why", only_from=self.follow))

    def shown(self) -> str:
        """The panel's text, as the user reads it."""
        from rich.console import Console

        console = Console(width=100, record=True, file=None, force_terminal=False)
        with console.capture():
            console.print(self.query_one("#why-view", Static).content)
        return console.export_text()

    def cancel(self) -> str | None:
        """Stop a diagnosis or a fix in flight; what was stopped, or None."""
        running = {w.group for w in self.workers if w.is_running}
        stopped = None
        if "diagnose" in running:
            self.workers.cancel_group(self, "diagnose")
            self.query_one("#why-view", Static).update(
                Text("✗ Diagnosis cancelled: nothing was explained.", style="yellow")
            )
            stopped = "the diagnosis"
        if "fix" in running:
            self.workers.cancel_group(self, "fix")
            stopped = "the fix (the grant may or may not have changed: g shows it)"
        return stopped

    def show(
        self, diagnosis: Diagnosis, endpoint: ApiEndpoint, target: str, follow: str | None = None
    ) -> None:
        self.fixable_scope = self.request_fix = None
        self.organization_plan = plan = diagnosis.organization_plan
        parts = [views.diagnosis_view(diagnosis, target)]
        if plan is not None:
            if plan.allowed:
                offer = f"Press f to get a new token for {plan.name}: the grant allows it."
            else:
                offer = (
                    f"Press f to apply the fix: {' and '.join(plan.changes())} through the "
                    f"Management API, then get a new token for {plan.name}."
                )
            parts.append(Text(offer, style="bold cyan"))
        missing = any(c.name == "scope" and c.ok is False for c in diagnosis.checks)
        if missing and endpoint.scope and self.session.token and plan is None:
            self.fixable_scope = endpoint.scope
            if self.session.fixes.can_change_grants():
                offer = (
                    f"Press f to apply the fix: grant {endpoint.scope} through the "
                    "Management API, then get a new token."
                )
            else:  # the provider's own console: say where, and why f cannot
                offer = (
                    f"{self.session.fixes.grant_advice(endpoint.scope)} Then press n for a new "
                    f"token. (f cannot do it here: {self.session.admin.why_unmanaged()}.)"
                )
            parts.append(Text(offer, style="bold cyan"))
        self.query_one("#why-view", Static).update(Group(*parts))
        self.post_message(ShowTab("why", only_from=follow))

    def action_apply_fix(self) -> None:
        if self.request_fix is not None and self.session.fixes.can_change_grants():
            self.fix_worker(request_fix=self.request_fix)
            return
        if self.organization_plan is not None:
            self.fix_worker(organization=self.organization_plan)
            return
        if not self.fixable_scope:
            self.notify("No fix to apply: the Why? panel shows no fix f can make.")
            return
        if not self.session.fixes.can_change_grants():
            self.notify(
                f"f cannot apply this fix: {self.session.admin.why_unmanaged()}. "
                f"{self.session.fixes.grant_advice(self.fixable_scope)}",
                severity="warning",
                timeout=15,
            )
            return
        self.fix_worker(self.fixable_scope)

    @job("fix", "The fix was not applied")
    async def fix_worker(self, scope: str | None = None, organization=None, request_fix=None):
        from m2m_tui.admin.management_api import ManagementError, ManagementUnavailable

        try:
            if request_fix is not None:
                note = await self.session.fixes.apply_request_fix(request_fix)
            elif organization is not None:
                note = await self.session.fixes.allow_organization(organization)
            else:
                note = await self.session.fixes.grant_scope(scope)
        except ManagementUnavailable as exc:  # no tenant to change: said, not a failure
            self.post_message(FixApplied(f"The fix was not applied: {exc}.", ok=False))
            return
        except ManagementError as exc:  # the tenant refused: its words, not a failure
            refused = f"the Management API refused: {exc.message}"
            self.post_message(FixApplied(f"The fix was not applied: {refused}", ok=False))
            return
        self.fixable_scope = self.organization_plan = self.request_fix = None
        self.post_message(FixApplied(note))
