"""The Lab tab: the token broken one way at a time, each variant sent to the API, its
answer and its diagnosis side by side."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from m2m_tui import render
from m2m_tui.api_client import ApiEndpoint
from m2m_tui.jwt_inspect import NotAJwt
from m2m_tui.session import Session
from m2m_tui.tamper import proof_variants, variants


class LabTab(Vertical):
    DEFAULT_CSS = "LabTab #lab-view { padding: 0 1; }"

    def __init__(self, session: Session, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="lab-scroll"):
            yield Static(id="lab-view")

    def focus_content(self) -> None:
        self.query_one("#lab-scroll").focus()

    def run(self, raw: str, endpoint: ApiEndpoint, params: dict[str, str]) -> None:
        self.query_one("#lab-view", Static).update(Text("Sending the variants…", style="dim"))
        self.lab_worker(raw, endpoint, params)

    @work(exclusive=True, group="lab", exit_on_error=False)
    async def lab_worker(self, raw: str, endpoint: ApiEndpoint, params: dict) -> None:
        view = self.query_one("#lab-view", Static)
        try:
            found = variants(raw, extra_scope=endpoint.scope or "admin")
        except NotAJwt as exc:
            view.update(Text(f"Not a JWT: {exc}", style="red"))
            return
        rows = []
        memo: dict = {}  # one metadata and JWKS fetch for all variants
        for variant in found:
            diagnosis, result = await self.session.diagnose(variant.token, endpoint, params, memo)
            rows.append((variant, diagnosis, result))
        key = self.session.bound_key(raw)
        if key is not None:  # a DPoP-bound token: break the proof too (RFC 9449 §4.3, §7)
            for variant in proof_variants(key):
                diagnosis, result = await self.session.diagnose_proof_variant(
                    raw, endpoint, params, variant, memo
                )
                rows.append((variant, diagnosis, result))
        view.update(render.lab_table(rows))
