"""The Preview tab: the next token before it exists (its claims, where each comes from,
the bound Actions' part) and the API's verdict on it, per endpoint. After `t`, the real
token is set beside it and every difference marked."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from m2m_tui import views
from m2m_tui.session.session import Session
from m2m_tui.tui.jobs import job


class PreviewTab(Vertical):
    DEFAULT_CSS = "PreviewTab #preview-view { padding: 0 1; }"
    BINDINGS = [Binding("P", "refresh_preview", "Preview again", show=False)]

    def __init__(self, session: Session, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.found = None  # the last Preview
        self.real: tuple[dict, dict] | None = None  # the token that came after it
        self.cached = False  # that token came from the cache

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="preview-scroll"):
            yield Static(
                Text("P previews the next token: its claims and the API's verdict.", "dim"),
                id="preview-view",
            )

    def focus_content(self) -> None:
        self.query_one("#preview-scroll").focus()

    def forget(self) -> None:
        self.found, self.real = None, None
        self.render_preview()

    def action_refresh_preview(self) -> None:
        self.refresh_preview()

    @job("preview", "The preview failed")
    async def refresh_preview(self) -> None:
        from m2m_tui.admin.management_api import ManagementError, ManagementUnavailable

        view = self.query_one("#preview-view", Static)
        view.update(Text("Reading the tenant (API, grant, bound Actions)…", "dim"))
        try:
            found = await self.session.preview()
        except ManagementUnavailable as exc:
            view.update(Text(f"✗ No preview: {exc}", "bold red"))
            return
        except ManagementError as exc:
            view.update(Text(f"✗ The Management API refused: {exc.message}", "bold red"))
            return
        self.found, self.real = found, None
        self.render_preview()

    def job_failed(self, group: str, line: Text) -> None:
        """Said in place of "Reading the tenant…", never a blank tab."""
        self.query_one("#preview-view", Static).update(line)

    def token_arrived(self, claims: dict, header: dict, from_cache: bool = False) -> None:
        """A real token came: set it beside the preview (if one was made), and say in a
        notice whether it is the preview. A cached token was issued before the preview
        was made: it is compared all the same, and the notice says so."""
        if self.found is None:
            return
        from m2m_tui.preview.next_token import differences

        self.real = (claims, header)
        self.cached = from_cache
        self.render_preview()
        marked = differences(self.found, claims, header)
        cached = (
            " (a cached token, issued before the preview: n gets a new one)" if from_cache else ""
        )
        if marked:
            self.notify(
                f"The token differs from the preview in: {', '.join(sorted(marked))}"
                f"{cached}. P shows both.",
                severity="warning",
            )
        else:
            self.notify(f"The token is the preview{cached}: P shows both.")

    def render_preview(self) -> None:
        view = self.query_one("#preview-view", Static)
        if self.found is None:
            view.update(Text("P previews the next token: its claims and the API's verdict.", "dim"))
            return
        real, header = self.real if self.real is not None else (None, None)
        lines = [views.preview_lines(self.found, real, header)]
        if real is None and self.found.issued:
            lines.append(Text("t gets the token, and sets it beside the preview.", "dim"))
        elif real is not None and self.cached:
            lines.append(
                Text(
                    "The token came from the cache, issued before this preview: n gets a new one.",
                    "yellow",
                )
            )
        if real is not None:
            lines.append(Text("P here previews anew (the token beside it goes).", "dim"))
        view.update(Group(*lines))
