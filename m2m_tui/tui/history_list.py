"""The History tab's list: a virtual list that draws only the rows on screen.

A DataTable recomputes offsets over all its rows when the cursor moves, so with
10,000 entries a page-down took a quarter of a second. This list reads the
session's history directly and renders the visible lines (Textual's line API),
so moving, paging and appending cost the same at 10 rows or 100,000.
"""

from __future__ import annotations

from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

COLUMNS = ("#", "time", "kind", "what", "status")


class HistoryList(ScrollView, can_focus=True):
    """Rows of (#, time, kind, what, status), newest last, with a row cursor."""

    DEFAULT_CSS = """
    HistoryList { height: 1fr; }
    HistoryList > .history-list--header { text-style: bold; color: $text-accent; }
    HistoryList > .history-list--cursor { background: $block-cursor-background;
                                          color: $block-cursor-foreground; }
    HistoryList:blur > .history-list--cursor { background: $block-cursor-blurred-background; }
    """
    COMPONENT_CLASSES = {"history-list--header", "history-list--cursor"}
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,ctrl+home", "jump(0)", "First", show=False),
        Binding("end,ctrl+end", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Show", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Highlighted(Message):
        def __init__(self, history_list: HistoryList, index: int) -> None:
            super().__init__()
            self.history_list = history_list
            self.index = index

        @property
        def control(self) -> HistoryList:
            return self.history_list

    def __init__(self, entries: list, **kwargs) -> None:
        super().__init__(**kwargs)
        self.entries = entries
        self.row_count = 0
        self.marked: int | None = None  # the row marked for a token diff, shown with ●

    def mark(self, row: int | None) -> None:
        self.marked = row
        self.refresh()

    # --- content ---------------------------------------------------------------
    def sync(self) -> None:
        """Take in entries appended since the last call (the list is the session's)."""
        was_empty = self.row_count == 0
        self.row_count = len(self.entries)
        self.virtual_size = Size(self.size.width, self.row_count + 1)  # + the header
        self.refresh()
        if was_empty and self.row_count:
            self.cursor_row = 0  # the first entry is shown at once, as a table would

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.row_count + 1)

    @property
    def page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            style = self.get_component_rich_style("history-list--header")
            return Strip([Segment(self._cells(COLUMNS, width), style)], width)
        index = int(self.scroll_offset.y) + y - 1
        if index >= self.row_count:
            return Strip.blank(width, self.rich_style)
        entry = self.entries[index]
        when = datetime.fromtimestamp(entry.at).strftime("%H:%M:%S")
        # Numbered from 1: "exchanged from #2" names a row by it.
        text = self._cells((str(index + 1), when, entry.kind, entry.summary, entry.status), width)
        if index == self.marked:
            text = "●" + text[1:]
        style = (
            self.get_component_rich_style("history-list--cursor")
            if index == self.cursor_row
            else self.rich_style
        )
        return Strip([Segment(text, style or Style())], width)

    @staticmethod
    def _cells(values: tuple[str, str, str, str, str], width: int) -> str:
        number, when, kind, what, status = values
        what_width = max(8, width - 4 - 8 - 8 - 10 - 7)
        if len(what) > what_width:
            what = what[: what_width - 1] + "…"
        line = f" {number:>3} {when:<8}  {kind:<8}  {what:<{what_width}}  {status:<10}"
        return line[:width].ljust(width)

    # --- the cursor --------------------------------------------------------------
    def watch_cursor_row(self, row: int) -> None:
        self.show_cursor()
        # Moved as the tab comes forward, or just after rows were added, the list is not
        # laid out at the size it is drawn at yet: once it is, the cursor is kept in view.
        self.call_after_refresh(self.show_cursor)
        self.refresh()
        if 0 <= row < self.row_count:
            self.post_message(self.Highlighted(self, row))

    def show_cursor(self) -> None:
        row, top = self.cursor_row, int(self.scroll_offset.y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + self.page_rows:
            self.scroll_to(y=row - self.page_rows + 1, animate=False, immediate=True)

    def _place(self, row: int) -> None:
        if self.row_count:
            self.cursor_row = min(max(row, 0), self.row_count - 1)

    def action_move(self, step: int) -> None:
        self._place(self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        self._place(self.cursor_row + direction * self.page_rows)

    def action_jump(self, row: int) -> None:
        self._place(row if row >= 0 else self.row_count - 1)

    def action_select(self) -> None:
        self._place(self.cursor_row)

    def on_click(self, event: Click) -> None:
        if event.y >= 1:
            self._place(int(self.scroll_offset.y) + event.y - 1)
