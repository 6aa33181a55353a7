"""The Lab tab: the token broken one way at a time, each variant sent to the API, its
answer and its diagnosis side by side."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from m2m_tui import views
from m2m_tui.api.client import ApiEndpoint
from m2m_tui.diagnosis.tamper import proof_variants, variants
from m2m_tui.session.session import Session
from m2m_tui.tokens.decoded import NotAJwt, decode
from m2m_tui.tui.jobs import job
from m2m_tui.tui.messages import LabDone
from oauth_primitives.rules.access_token import bound_x5t


class LabTab(Vertical):
    DEFAULT_CSS = "LabTab #lab-view { padding: 0 1; }"

    def __init__(self, session: Session, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.rows: list = []  # (variant, diagnosis, result) answered so far
        self.total = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="lab-scroll"):
            yield Static(id="lab-view")

    def show_last(self) -> None:
        """Scroll to the last variant sent (the demo's mutual TLS act shows its own)."""
        self.query_one(VerticalScroll).scroll_end(animate=False)

    def focus_content(self) -> None:
        self.query_one("#lab-scroll").focus()

    def run(self, raw: str, endpoint: ApiEndpoint, params: dict[str, str]) -> None:
        self.rows: list = []
        self.total = 0
        self.query_one("#lab-view", Static).update(Text("Sending the variants…", style="dim"))
        self.lab_worker(raw, endpoint, params)

    def progress(self, name: str) -> None:
        """n/total and the variant under way, above the answers so far."""
        line = Text(
            f"Sending variant {len(self.rows) + 1}/{self.total}: {name}…  (Escape cancels)",
            style="yellow",
        )
        parts = [line, views.lab_table(self.rows)] if self.rows else [line]
        self.query_one("#lab-view", Static).update(Group(*parts))

    def job_failed(self, group: str, line: Text) -> None:
        """The lab stopped on an error: said above the variants answered before it."""
        parts = [line, views.lab_table(self.rows)] if self.rows else [line]
        self.query_one("#lab-view", Static).update(Group(*parts))
        self.post_message(LabDone())  # the history has the variants sent so far

    def cancel(self) -> str | None:
        if not any(w.group == "lab" and w.is_running for w in self.workers):
            return None
        self.workers.cancel_group(self, "lab")
        done = f"{len(self.rows)}/{self.total}"
        line = Text(f"✗ Tamper lab cancelled after {done} variants.", style="yellow")
        parts = [line, views.lab_table(self.rows)] if self.rows else [line]
        self.query_one("#lab-view", Static).update(Group(*parts))
        return f"the tamper lab ({done} sent)"

    @job("lab", "The tamper lab failed")
    async def lab_worker(self, raw: str, endpoint: ApiEndpoint, params: dict) -> None:
        view = self.query_one("#lab-view", Static)
        try:
            found = variants(raw, extra_scope=endpoint.scope or "admin")
        except NotAJwt as exc:
            view.update(Text(f"Not a JWT: {exc}", style="red"))
            return
        key = self.session.bound_key(raw)
        # A DPoP-bound token: break the proof too (RFC 9449 §4.3, §7).
        broken_proofs = proof_variants(key) if key is not None else []
        # A certificate-bound token (RFC 8705): sent with another certificate too.
        bound = bound_x5t(decode(raw).payload) is not None
        self.total = len(found) + len(broken_proofs) + bound
        memo: dict = {}  # one metadata and JWKS fetch for all variants
        for variant in found:
            self.progress(variant.name)
            diagnosis, result = await self.session.explainer.diagnose(
                variant.token, endpoint, params, memo, kind="lab", label=variant.name
            )
            self.rows.append((variant, diagnosis, result))
        for variant in broken_proofs:
            self.progress(variant.name)
            diagnosis, result = await self.session.explainer.diagnose_proof_variant(
                raw, endpoint, params, variant, memo
            )
            self.rows.append((variant, diagnosis, result))
        if bound:
            self.progress("other certificate")
            self.rows.append(
                await self.session.explainer.diagnose_with_another_certificate(
                    raw, endpoint, params, memo
                )
            )
        view.update(views.lab_table(self.rows))
        self.post_message(LabDone())
