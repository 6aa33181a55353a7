"""The Grants screen: authorize clients for APIs, pick their scopes, test the next token,
and rotate or revoke signing keys, like Auth0's "Machine to Machine Applications" tab."""

from __future__ import annotations

import asyncio

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Input,
    Label,
    SelectionList,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.selection_list import Selection

from m2m_tui import render
from m2m_tui.grants_model import ChangedUnderneath, GrantsModel
from m2m_tui.management import ManagementError, ManagementUnavailable
from m2m_tui.token_diff import diff_tokens


class TokenTested(Message):
    """A Test produced a new token; the API tab's predictions may change."""


class GrantsScreen(Screen):
    BINDINGS = [
        Binding("escape", "leave", "Back"),
        Binding("ctrl+u", "update", "Update"),
        Binding("ctrl+t", "test", "Test"),
        Binding("ctrl+a", "select_all", "All"),
        Binding("ctrl+n", "select_none", "None"),
        Binding("ctrl+g", "toggle_authorized", "Authorize"),
        Binding("ctrl+r", "reveal", "Reveal secret", show=False),
        Binding("ctrl+d", "remove_scope", "Remove scope from API", show=False),
    ]
    DEFAULT_CSS = """
    #grants-status { height: auto; padding: 0 1; color: $text-muted; }
    #grants-tabs { height: 1fr; }
    #left { width: 45%; }
    #apis { height: auto; max-height: 8; }
    #clients { height: 1fr; }
    #right { padding: 0 1; }
    #scopes { height: auto; max-height: 10; }
    #buttons { height: auto; }
    #buttons Button { margin-right: 1; min-width: 8; }
    #keys { height: auto; max-height: 10; }
    #key-buttons { height: auto; }
    """

    def __init__(self, model: GrantsModel) -> None:
        super().__init__()
        self.model = model
        self.api: dict | None = None
        self.client_id: str | None = None
        self.loaded_scope: list[str] | None = None  # the grant as it was when shown
        self.revealed: str | None = None
        self.created: dict | None = None
        self.old_token: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("Connecting to the Management API…", id="grants-status")
        with TabbedContent(id="grants-tabs"):
            with TabPane("Grants", id="grants-pane"):
                with Horizontal():
                    with Vertical(id="left"):
                        yield Label("APIs")
                        yield DataTable(id="apis", cursor_type="row")
                        yield Label("Clients (↑↓ to pick; ctrl+g authorizes or revokes)")
                        yield DataTable(id="clients", cursor_type="row")
                    with VerticalScroll(id="right"):
                        yield Static(id="grant-title")
                        yield Input(placeholder="filter scopes", id="scope-filter")
                        yield SelectionList(id="scopes")
                        with Horizontal(id="buttons"):
                            yield Button("All", id="all")
                            yield Button("None", id="none")
                            yield Button("Update", id="update", variant="primary")
                            yield Button("Test", id="test", variant="success")
                        yield Static(id="diff")
                        yield Input(
                            placeholder="add a scope to this API: value description", id="new-scope"
                        )
                        yield Input(placeholder="create a client: name", id="new-client")
                        yield Static(id="created")
            with TabPane("Signing keys", id="keys-pane"):
                yield DataTable(id="keys", cursor_type="row")
                with Horizontal(id="key-buttons"):
                    yield Button("Rotate", id="rotate", variant="warning")
                    yield Button("Revoke selected", id="revoke", variant="error")
                    yield Button("Check the old token", id="check-old")
                yield Static(id="keys-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#apis", DataTable).add_columns("API", "identifier", "scopes")
        self.query_one("#clients", DataTable).add_columns("client", "client_id", "authorized")
        self.query_one("#keys", DataTable).add_columns("kid", "state", "since")
        self.connect()

    def status(self, message: str, style: str = "") -> None:
        self.query_one("#grants-status", Static).update(Text(message, style=style))

    @work(exclusive=True, group="grants", exit_on_error=False)
    async def connect(self) -> None:
        def waiting(seconds: float) -> None:
            self.status(f"Rate limited by the tenant: waiting {seconds:g} s…", "yellow")

        try:
            await self.model.connect(on_wait=waiting)
            await self.model.load()
            await self.model.load_keys()
        except ManagementUnavailable as exc:
            self.status(f"✗ {exc}", "bold red")
            return
        except ManagementError as exc:
            self.status(f"✗ The Management API refused: {exc.message}", "bold red")
            return
        self.status(f"Management API of {self.model.session.profile.issuer} · escape goes back")
        self.show_apis()
        self.show_keys()

    # --- APIs and clients ----------------------------------------------------------
    def show_apis(self) -> None:
        table = self.query_one("#apis", DataTable)
        row = table.cursor_row
        table.clear()
        for api in self.model.apis:
            table.add_row(api["name"], api["identifier"], str(len(api["scopes"])))
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
        self.show_grant()

    @on(DataTable.RowHighlighted, "#apis")
    def api_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.model.apis):
            self.api = self.model.apis[event.cursor_row]
            self.show_clients()

    @on(DataTable.RowHighlighted, "#clients")
    def client_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.model.clients):
            self.client_id = self.model.clients[event.cursor_row]["client_id"]
            self.show_grant()

    def show_grant(self) -> None:
        title = self.query_one("#grant-title", Static)
        scopes = self.query_one("#scopes", SelectionList)
        scopes.clear_options()
        if self.api is None or self.client_id is None:
            return
        grant = self.model.grant_for(self.client_id, self.api["identifier"])
        self.loaded_scope = list(grant["scope"]) if grant else None
        name = next(c["name"] for c in self.model.clients if c["client_id"] == self.client_id)
        if grant is None:
            title.update(
                Text.assemble(
                    (f"{name} ", "bold"),
                    (f"is not authorized for {self.api['name']}. ", ""),
                    ("ctrl+g authorizes it.", "cyan"),
                )
            )
            return
        title.update(
            Text.assemble(
                (f"{name} ", "bold"), (f"on {self.api['identifier']}  ", ""), (grant["id"], "dim")
            )
        )
        needle = self.query_one("#scope-filter", Input).value.strip().lower()
        for scope in self.api["scopes"]:
            if needle and needle not in scope["value"].lower():
                continue
            label = f"{scope['value']}  [dim]{scope.get('description', '')}[/]"
            scopes.add_option(Selection(label, scope["value"], scope["value"] in grant["scope"]))

    @on(Input.Changed, "#scope-filter")
    def filter_changed(self) -> None:
        self.show_grant()

    def chosen_scopes(self) -> list[str]:
        """The checked scopes, keeping the granted ones the filter hides."""
        scopes = self.query_one("#scopes", SelectionList)
        shown = {scopes.get_option_at_index(i).value for i in range(scopes.option_count)}
        checked = set(scopes.selected)
        hidden = [s for s in (self.loaded_scope or []) if s not in shown]
        order = [s["value"] for s in self.api["scopes"]]
        return [s for s in order if s in checked or s in hidden]

    def action_select_all(self) -> None:
        self.query_one("#scopes", SelectionList).select_all()

    def action_select_none(self) -> None:
        self.query_one("#scopes", SelectionList).deselect_all()

    def action_update(self) -> None:
        if self.api and self.client_id and self.loaded_scope is not None:
            self.update_worker(
                self.client_id, self.api["identifier"], self.chosen_scopes(), self.loaded_scope
            )

    @work(exclusive=True, group="grants", exit_on_error=False)
    async def update_worker(
        self, client_id: str, audience: str, scopes: list[str], loaded: list[str]
    ) -> None:
        try:
            grant = await self.model.update(client_id, audience, scopes, loaded)
        except ChangedUnderneath as exc:
            self.status(
                f"✗ Not saved: the grant changed underneath (was {' '.join(exc.before or [])}"
                f" when loaded, now {' '.join(exc.now or []) if exc.now is not None else 'gone'})."
                " It has been reloaded; review it and Update again.",
                "bold yellow",
            )
            self.show_clients()
            return
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        self.status(
            f"✓ Saved: {client_id} on {audience} now has "
            f"[{' '.join(grant['scope'])}]. Test gets a new token.",
            "green",
        )
        self.show_clients()

    def action_toggle_authorized(self) -> None:
        if self.api and self.client_id:
            self.toggle_worker(self.client_id, self.api["identifier"], self.loaded_scope is None)

    @work(exclusive=True, group="grants", exit_on_error=False)
    async def toggle_worker(self, client_id: str, audience: str, authorize: bool) -> None:
        try:
            if authorize:
                await self.model.authorize(client_id, audience)
                self.status(f"✓ {client_id} is authorized for {audience} (no scopes yet).", "green")
            else:
                await self.model.deauthorize(client_id, audience)
                self.status(
                    f"✓ Grant deleted: {client_id} may no longer get tokens for {audience}.",
                    "green",
                )
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
        self.show_clients()

    def action_test(self) -> None:
        if self.api and self.client_id:
            self.test_worker(self.client_id, self.api["identifier"])

    @work(exclusive=True, group="test", exit_on_error=False)
    async def test_worker(self, client_id: str, audience: str) -> None:
        try:
            result = await self.model.test(client_id, audience)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        diff = self.query_one("#diff", Static)
        outcome = result.outcome
        if not outcome.ok:
            diff.update(
                Text(
                    f"✗ {outcome.error}: {outcome.description}"
                    + (f"\n→ {outcome.hint}" if outcome.hint else ""),
                    style="red",
                )
            )
            return
        parts = [
            Text(f"✓ New token for {client_id}", style="bold green"),
            render.scope_diff_line(result.added, result.removed, result.kept),
        ]
        if result.previous is None:
            parts.append(Text("(no earlier token of this client to compare with)", style="dim"))
        else:
            parts.append(render.token_diff_view(diff_tokens(result.previous, outcome.access_token)))
        diff.update(Group(*parts))
        self.app.post_message(TokenTested())

    # --- adding scopes and clients ---------------------------------------------------
    @on(Input.Submitted, "#new-scope")
    def new_scope(self, event: Input.Submitted) -> None:
        value, _, description = event.value.strip().partition(" ")
        if not value or self.api is None:
            return
        event.input.value = ""
        self.scope_worker(value, description.strip())

    @work(exclusive=True, group="grants", exit_on_error=False)
    async def scope_worker(self, value: str, description: str) -> None:
        try:
            await self.model.add_api_scope(self.api, value, description)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        self.status(f"✓ {self.api['identifier']} now offers {value}.", "green")
        self.show_apis()

    def action_remove_scope(self) -> None:
        """Remove the highlighted scope from the API itself (not just from this grant)."""
        scopes = self.query_one("#scopes", SelectionList)
        if self.api is None or scopes.highlighted is None:
            self.status(
                "Highlight a scope in the list first (ctrl+d removes it from the API).", "yellow"
            )
            return
        value = scopes.get_option_at_index(scopes.highlighted).value
        self.remove_scope_worker(value)

    @work(exclusive=True, group="grants", exit_on_error=False)
    async def remove_scope_worker(self, value: str) -> None:
        try:
            await self.model.remove_api_scope(self.api, value)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        self.status(f"✓ {self.api['identifier']} no longer offers {value}.", "green")
        self.show_apis()

    @on(Input.Submitted, "#new-client")
    def new_client(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.client_worker(event.value.strip())
            event.input.value = ""

    @work(exclusive=True, group="grants", exit_on_error=False)
    async def client_worker(self, name: str) -> None:
        try:
            self.created = await self.model.create_client(name)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        self.revealed = None
        self.show_created()
        self.show_clients()

    def show_created(self) -> None:
        if not self.created:
            return
        secret = self.created["client_secret"]
        shown = secret if self.revealed else "•" * 12 + "  (ctrl+r reveals it, once)"
        self.query_one("#created", Static).update(
            Text.assemble(
                ("✓ Created ", "green"),
                (self.created["name"], "bold"),
                f"  client_id {self.created['client_id']}\n  client_secret ",
                shown,
                ("\n  The secret is shown only now; m2m-tui keeps it in memory for Test.", "dim"),
            )
        )

    def action_reveal(self) -> None:
        if self.created:
            self.revealed = self.created["client_secret"]
            self.show_created()

    # --- signing keys -------------------------------------------------------------------
    def show_keys(self) -> None:
        table = self.query_one("#keys", DataTable)
        table.clear()
        for key in self.model.keys:
            state = next((s for s in ("current", "next", "previous", "revoked") if key.get(s)), "")
            style = {"current": "bold green", "revoked": "red", "previous": "yellow"}.get(state, "")
            table.add_row(
                key["kid"], Text(state, style=style), (key.get("current_since") or "")[:19]
            )

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        actions = {
            "all": self.action_select_all,
            "none": self.action_select_none,
            "update": self.action_update,
            "test": self.action_test,
            "rotate": self.rotate,
            "revoke": self.revoke,
            "check-old": self.check_old,
        }
        if event.button.id in actions:
            actions[event.button.id]()

    @work(exclusive=True, group="keys", exit_on_error=False)
    async def rotate(self) -> None:
        session = self.model.session
        self.old_token = session.token  # signed by the key about to become "previous"
        try:
            result = await self.model.rotate_key()
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        self.show_keys()
        note = (
            (
                " The last token (old key) is kept: Check the old token shows the API still "
                "accepts it."
            )
            if self.old_token
            else " Get a token first to follow an old one."
        )
        self.query_one("#keys-status", Static).update(
            Text(f"✓ Rotated: {result['kid']} now signs.{note}", style="green")
        )

    @work(exclusive=True, group="keys", exit_on_error=False)
    async def revoke(self) -> None:
        table = self.query_one("#keys", DataTable)
        if not self.model.keys:
            return
        key = self.model.keys[table.cursor_row]
        try:
            await self.model.revoke_key(key["kid"])
        except ManagementError as exc:
            self.query_one("#keys-status", Static).update(Text(f"✗ {exc.message}", style="red"))
            return
        self.show_keys()
        self.query_one("#keys-status", Static).update(
            Text(
                f"✓ Revoked {key['kid']}. The API drops it when its JWKS cache lapses (seconds "
                "for the bundled tenant): Check the old token.",
                style="green",
            )
        )

    @work(exclusive=True, group="keys", exit_on_error=False)
    async def check_old(self) -> None:
        status = self.query_one("#keys-status", Static)
        session = self.model.session
        if not self.old_token:
            status.update(
                Text("Rotate first: the token held before rotating is the old one.", style="yellow")
            )
            return
        if not session.endpoints:
            await session.load_api()
        endpoint = next(
            (e for e in session.endpoints if e.scope in self._scopes_of_old()),
            session.endpoints[0] if session.endpoints else None,
        )
        if endpoint is None:
            status.update(Text("No API endpoints known.", style="red"))
            return
        params = {p.name: p.example for p in endpoint.params}
        revoked = any(k.get("revoked") for k in self.model.keys)
        for attempt in range(8 if revoked else 1):
            diagnosis, result = await session.diagnose(self.old_token, endpoint, params)
            if result.status != 200 or not revoked:
                break
            status.update(
                Text(
                    f"Still accepted: the API's cached JWKS has not lapsed yet… "
                    f"(try {attempt + 1})",
                    style="yellow",
                )
            )
            await asyncio.sleep(1.5)
        verdict = (
            Text(f"✓ The API accepts the old-key token ({result.status})", style="green")
            if result.status == 200
            else Text(f"✗ The API refuses the old-key token ({result.status})", style="red")
        )
        status.update(Group(verdict, render.diagnosis_view(diagnosis, endpoint.path)))

    def _scopes_of_old(self) -> list[str]:
        from m2m_tui.jwt_inspect import decode

        try:
            return decode(self.old_token).scopes
        except Exception:
            return []

    async def action_leave(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#clients", DataTable).focus()
            return
        await self.model.close()
        self.dismiss(None)
