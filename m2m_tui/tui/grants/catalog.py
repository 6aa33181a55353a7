"""The APIs of the tenant and its clients, each marked authorized or not for the API."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from m2m_tui.grants_model import GrantsModel, dpop_mode
from m2m_tui.tui.grants.messages import Picked


class Catalog(Vertical):
    DEFAULT_CSS = """
    Catalog { width: 45%; }
    Catalog #apis { height: auto; max-height: 8; }
    Catalog #clients { height: 1fr; }
    """

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

    def on_mount(self) -> None:
        self.query_one("#apis", DataTable).add_columns("API", "identifier", "scopes", "DPoP")
        self.query_one("#clients", DataTable).add_columns("client", "client_id", "authorized")

    def focus_clients(self) -> None:
        self.query_one("#clients", DataTable).focus()

    def show_apis(self) -> None:
        table = self.query_one("#apis", DataTable)
        row = table.cursor_row
        table.clear()
        for api in self.model.apis:
            mode = dpop_mode(api)
            style = {"required": "bold yellow", "optional": "cyan"}.get(mode, "dim")
            table.add_row(
                api["name"], api["identifier"], str(len(api["scopes"])), Text(mode, style=style)
            )
        if self.model.apis:
            table.move_cursor(row=min(row, len(self.model.apis) - 1))
            self.api = self.model.apis[table.cursor_row]
        self.show_clients()

    def show_clients(self) -> None:
        table = self.query_one("#clients", DataTable)
        row = table.cursor_row
        table.clear()
        if self.api is None:
            return
        for client in self.model.clients:
            grant = self.model.grant_for(client["client_id"], self.api["identifier"])
            mark = Text("✓ authorized", style="green") if grant else Text("✗", style="dim")
            table.add_row(client["name"], client["client_id"], mark)
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
