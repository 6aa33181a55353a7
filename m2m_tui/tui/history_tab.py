"""The History tab: every token request and call of this session, each one's exchange,
token diffs between two marked rows, and the export."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from m2m_tui import views
from m2m_tui.session.history_export import export_history
from m2m_tui.session.session import Session
from m2m_tui.tokens.decoded import NotAJwt
from m2m_tui.tokens.diff import diff_tokens
from m2m_tui.tui.history_list import HistoryList
from m2m_tui.tui.jobs import step


class HistoryTab(Vertical):
    DEFAULT_CSS = """
    HistoryTab #history-table { height: 1fr; min-height: 5; }
    HistoryTab #history-detail-scroll { height: 1fr; }
    HistoryTab #history-detail { padding: 0 1; }
    """
    BINDINGS = [
        Binding("m", "mark", "Mark token", show=False),
        Binding("x", "diff_marked", "Diff with marked", show=False),
    ]

    def __init__(self, session: Session, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.marked: int | None = None  # a row marked for a token diff
        self.diffed: tuple[int, int] | None = None  # the rows of the diff shown

    def compose(self) -> ComposeResult:
        yield HistoryList(self.session.history, id="history-table")
        with VerticalScroll(id="history-detail-scroll"):
            yield Static(id="history-detail")

    def focus_content(self) -> None:
        self.query_one("#history-table").focus()

    def behind(self) -> bool:
        """Entries were appended that the list does not show yet."""
        shown = self.query_one("#history-table", HistoryList)
        return shown.row_count != len(self.session.history)

    def sync(self) -> None:
        """Show entries appended since the last call: the list reads the history itself."""
        self.query_one("#history-table", HistoryList).sync()

    @on(HistoryList.Highlighted, "#history-table")
    def history_selected(self, event: HistoryList.Highlighted) -> None:
        if not 0 <= event.index < len(self.session.history):
            return
        entry = self.session.history[event.index]
        exchange = None
        if entry.outcome is not None:
            exchange = entry.outcome.exchange
        elif entry.result is not None:
            exchange = entry.result.exchange
        detail = Text(f"#{event.index + 1} {entry.kind}: {entry.summary} ({entry.status})")
        detail.stylize("bold")
        if entry.subject is not None and entry.subject < len(self.session.history):
            source = self.session.history[entry.subject]
            detail.append(
                f"\nexchanged from #{entry.subject + 1}: {source.kind} {source.summary}, "
                "whose token was the subject token (RFC 8693)",
                style="cyan",
            )
        if exchange is None:
            body = Text("no request was made (served from the token cache)", style="dim")
        else:
            body = views.exchange_view(exchange)
        self.query_one("#history-detail", Static).update(Group(detail, body))

    def highlighted_token(self) -> tuple[int, str] | None:
        row = self.query_one("#history-table", HistoryList).cursor_row
        if 0 <= row < len(self.session.history):
            outcome = self.session.history[row].outcome
            if outcome is not None and outcome.access_token:
                return row, outcome.access_token
        return None

    def set_mark(self, row: int | None) -> None:
        self.marked = row
        self.query_one("#history-table", HistoryList).mark(row)

    def action_mark(self) -> None:
        found = self.highlighted_token()
        if found is None:
            self.notify("Highlight a token request in History to mark it.", severity="warning")
            return
        self.set_mark(found[0])
        self.notify(f"Marked row {found[0] + 1} (●): highlight another token and press x to diff.")

    def action_diff_marked(self) -> None:
        found = self.highlighted_token()
        if self.marked is None:
            self.notify(
                "Mark a token with m, then highlight another and press x.", severity="warning"
            )
            return
        if found is None:
            row = self.query_one("#history-table", HistoryList).cursor_row
            kind = self.session.history[row].kind if row < len(self.session.history) else "row"
            self.notify(
                f"Row {row + 1} is a {kind}, not a token: highlight another token request to "
                f"diff it against the marked row {self.marked + 1}.",
                severity="warning",
            )
            return
        before = self.session.history[self.marked].outcome.access_token
        try:
            diff = diff_tokens(before, found[1])
        except NotAJwt as exc:
            self.notify(f"Cannot diff: {exc}", severity="error")
            return
        title = Text(f"Token diff: row {self.marked + 1} → row {found[0] + 1}", style="bold")
        self.query_one("#history-detail", Static).update(Group(title, views.token_diff_view(diff)))
        self.diffed = (self.marked, found[0])

    def last_two_tokens(self) -> tuple[int, int] | None:
        """The rows of the two newest tokens received, or None."""
        rows = [i for i, e in enumerate(self.session.history) if e.outcome and e.outcome.ok]
        return (rows[-2], rows[-1]) if len(rows) >= 2 else None

    def diff_last_two_tokens(self) -> bool:
        """Mark the token before the newest and diff the newest against it (the demo)."""
        rows = self.last_two_tokens()
        if rows is None:
            return False
        table = self.query_one("#history-table", HistoryList)
        self.set_mark(rows[0])
        table.cursor_row = rows[1]  # its Highlighted message shows the exchange first…
        self.call_after_refresh(self.action_diff_marked)  # …then the diff replaces it
        return True

    @step("export", "The export failed")
    def export(self) -> None:
        if not self.session.history:
            self.notify("Nothing to export yet: history is empty.", severity="warning")
            return
        try:
            path = export_history(self.session.history, self.session.state_dir)
        except OSError as exc:
            self.notify(f"Cannot export the history: {exc}", severity="error")
            return
        n = len(self.session.history)
        entries = "1 entry" if n == 1 else f"{n} entries"
        self.notify(f"Exported {entries} to {path} (secrets and tokens masked).")
