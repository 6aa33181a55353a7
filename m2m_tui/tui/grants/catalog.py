"""The APIs of the tenant and its clients, each marked authorized or not for the API."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from m2m_tui.session.grants import GrantsModel, dpop_mode
from m2m_tui.tui.fit import ellipsize, fit_widths, shorten_apart
from m2m_tui.tui.grants.messages import Picked


class Catalog(Vertical):
    DEFAULT_CSS = """
    Catalog { width: 45%; }
    Catalog Label { width: 100%; text-wrap: nowrap; text-overflow: ellipsis; }
    Catalog #apis { height: auto; max-height: 8; }
    Catalog #clients { height: 1fr; }
    """
    API_COLUMNS = ("API", "identifier", "scopes", "binding")
    CLIENT_COLUMNS = ("client", "client_id", "authorized")

    def __init__(self, model: GrantsModel, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.api: dict | None = None
        self.client_id: str | None = None

    def compose(self) -> ComposeResult:
        yield Label("APIs")
        yield DataTable(id="apis", cursor_type="row")
        yield Label("Clients (↑↓ to pick; ctrl+g authorizes or revokes)")
        yield DataTable(id="clients", cursor_type="row")

    def on_resize(self) -> None:
        if self.model.apis:
            self.show_apis()

    def fill(self, table: DataTable, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Rows whose text columns shrink with an ellipsis, so that every column shows
        at any width (80 columns included) and a 100-character name hides nothing."""
        table.clear(columns=True)
        plain = [tuple(c.plain if isinstance(c, Text) else c for c in r) for r in rows]
        natural = [max([len(c)] + [len(r[i]) for r in plain]) for i, c in enumerate(columns)]
        available = (table.size.width or self.size.width or 40) - 2 * len(columns) - 2
        # The ids give way first: a name is what the user reads, an id is one copy away.
        widths = fit_widths(available, natural, shrinkable={1}, minimum=4)
        widths = fit_widths(available, widths, shrinkable={0, 1}, minimum=4)
        for name, width in zip(columns, widths, strict=True):
            table.add_column(ellipsize(name, width), width=width)
        # Text columns shortened apart: two clients never both read `World M…`. A name is
        # the tenant's, shown as written: Text, since a DataTable reads a str as markup.
        shown = [shorten_apart([r[i] for r in plain], widths[i]) for i in range(len(columns))]
        for n, row in enumerate(rows):
            table.add_row(
                *(
                    cell if isinstance(cell, Text) else Text(shown[i][n])
                    for i, cell in enumerate(row)
                )
            )

    def focus_clients(self) -> None:
        self.query_one("#clients", DataTable).focus()

    def show_apis(self) -> None:
        table = self.query_one("#apis", DataTable)
        row = table.cursor_row
        rows = []
        for api in self.model.apis:
            mode = dpop_mode(api)
            if dpop_mode(api, "mtls") != "off":  # RFC 8705: bound to the certificate
                mode = f"mTLS {dpop_mode(api, 'mtls')}"
            style = {"required": "bold yellow", "optional": "cyan"}.get(mode.split()[-1], "dim")
            rows.append(
                (api["name"], api["identifier"], str(len(api["scopes"])), Text(mode, style=style))
            )
        self.fill(table, self.API_COLUMNS, rows)
        if self.model.apis:
            table.move_cursor(row=min(row, len(self.model.apis) - 1))
            self.api = self.model.apis[table.cursor_row]
        self.show_clients()

    def show_clients(self) -> None:
        table = self.query_one("#clients", DataTable)
        row = table.cursor_row
        if self.api is None:
            table.clear()
            return
        rows = []
        for client in self.model.clients:
            grant = self.model.grant_for(client["client_id"], self.api["identifier"])
            mark = Text("✓ authorized", style="green") if grant else Text("✗", style="dim")
            rows.append((client["name"], client["client_id"], mark))
        self.fill(table, self.CLIENT_COLUMNS, rows)
        if self.model.clients:
            table.move_cursor(row=min(row, len(self.model.clients) - 1))
            self.client_id = self.model.clients[table.cursor_row]["client_id"]
        self.post_message(Picked(self.api, self.client_id))

    @on(DataTable.RowHighlighted, "#apis")
    def api_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.model.apis):
            self.api = self.model.apis[event.cursor_row]
            self.show_clients()

    @on(DataTable.RowHighlighted, "#clients")
    def client_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.model.clients):
            self.client_id = self.model.clients[event.cursor_row]["client_id"]
            self.post_message(Picked(self.api, self.client_id))
