"""The Grants screen: composes the catalog, the grant editor and the signing keys, routes
the screen's keys to them, and carries their messages between them."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static, TabbedContent, TabPane

from m2m_tui.admin.management_api import ManagementError, ManagementUnavailable
from m2m_tui.session.grants import GrantsModel
from m2m_tui.tui.grants.catalog import Catalog
from m2m_tui.tui.grants.editor import GrantEditor
from m2m_tui.tui.grants.messages import Picked, Status, TenantChanged
from m2m_tui.tui.grants.signing_keys import SigningKeys
from m2m_tui.tui.jobs import job


class GrantsScreen(ModalScreen):
    """Modal: the main app's keys (g, e, t…) stay out while it is open, and its footer
    lists its own keys only."""

    BINDINGS = [
        Binding("escape", "leave", "Cancel/Back"),
        Binding("ctrl+u", "edit('update')", "Update"),
        Binding("ctrl+t", "edit('test')", "Test"),
        # All and None are buttons on the screen too: off the footer, so it fits 80 columns.
        # Priority: they must work while the scope filter has focus, where Input would
        # take ctrl+a for "start of line" (type a filter, then check what it shows).
        Binding("ctrl+a", "edit('select_all')", "All", show=False, priority=True),
        Binding("ctrl+n", "edit('select_none')", "None", show=False, priority=True),
        Binding("ctrl+g", "edit('toggle_authorized')", "Authorize"),
        Binding("ctrl+o", "edit('toggle_dpop')", "DPoP"),
        # Mutual TLS (RFC 8705): off the footer, so it fits 80 columns (README, help).
        Binding("ctrl+b", "edit('toggle_mtls')", "mTLS binding", show=False),
        Binding("ctrl+e", "edit('register_certificate')", "Register certificate", show=False),
        # Auth0's four token dialects, in turn (the *_authz ones turn RBAC on).
        Binding("ctrl+l", "edit('next_dialect')", "Token dialect", show=False),
        Binding("ctrl+r", "edit('reveal')", "Reveal secret", show=False),
        Binding("ctrl+d", "edit('remove_scope')", "Remove scope from API", show=False),
        # The client's token exchange policy, far down the editor: its profiles focused.
        Binding("ctrl+x", "edit('exchange_policy')", "Exchange policy", show=False),
    ]
    DEFAULT_CSS = """
    GrantsScreen { background: $background; }
    #grants-status { height: auto; padding: 0 1; color: $text-muted; }
    #grants-tabs { height: 1fr; }
    /* Narrow (80 columns): the catalog above the editor, full width, so that its names
       show whole; side by side they would have 36 columns for four columns. */
    GrantsScreen.-narrow #grants-split { layout: vertical; }
    GrantsScreen.-narrow Catalog { width: 100%; height: auto; }
    GrantsScreen.-narrow Catalog #clients { height: auto; max-height: 6; }
    GrantsScreen.-narrow GrantEditor { height: 1fr; }
    """
    NARROW = 110  # columns below which the catalog and the editor are stacked

    def __init__(self, model: GrantsModel) -> None:
        super().__init__()
        self.model = model

    def compose(self) -> ComposeResult:
        yield Static("Connecting to the Management API…", id="grants-status")
        with TabbedContent(id="grants-tabs"):
            with TabPane("Grants", id="grants-pane"), Horizontal(id="grants-split"):
                yield Catalog(self.model, id="left")
                yield GrantEditor(self.model, id="right")
            with TabPane("Signing keys", id="keys-pane"):
                yield SigningKeys(self.model, id="signing-keys")
        yield Footer()

    def on_mount(self) -> None:
        self.on_resize()
        self.connect()

    def on_resize(self, _: object = None) -> None:
        self.set_class(self.app.size.width < self.NARROW, "-narrow")

    @property
    def catalog(self) -> Catalog:
        return self.query_one(Catalog)

    @property
    def editor(self) -> GrantEditor:
        return self.query_one(GrantEditor)

    def status(self, message: str, style: str = "") -> None:
        self.query_one("#grants-status", Static).update(Text(message, style=style))

    @job("grants", "The Management API failed")
    async def connect(self) -> None:
        def waiting(seconds: float) -> None:
            self.status(f"Rate limited by the tenant: waiting {seconds:g} s…", "yellow")

        try:
            await self.model.connect(on_wait=waiting)
            await self.model.load()
            await self.model.load_keys()
        except ManagementUnavailable as exc:
            # One sentence, not empty tables: there is nothing here to edit.
            self.query_one("#grants-tabs").display = False
            self.status(f"✗ Grants cannot be shown or changed here: {exc}.", "bold red")
            return
        except ManagementError as exc:
            self.status(f"✗ The Management API refused: {exc.message}", "bold red")
            return
        self.status(f"Management API of {self.model.session.profile.issuer} · escape goes back")
        self.catalog.show_apis()
        self.query_one(SigningKeys).show_keys()

    def job_failed(self, group: str, line: Text) -> None:
        """Connecting failed (a tenant that answers garbage): said where "Connecting…" was."""
        self.status(line.plain, "bold red")

    # --- the parts' messages ------------------------------------------------------------
    @on(Picked)
    def picked(self, message: Picked) -> None:
        self.editor.show(message.api, message.client_id)

    @on(Status)
    def status_said(self, message: Status) -> None:
        self.status(message.text, message.style)

    @on(TenantChanged)
    def tenant_changed(self) -> None:
        self.catalog.show_apis()

    # --- keys -----------------------------------------------------------------------------
    def action_edit(self, action: str) -> None:
        getattr(self.editor, action)()

    def running(self) -> list:
        """The screen's requests in flight (its own and its parts')."""
        return [
            w
            for w in self.app.workers
            if w.is_running and (w.node is self or self in w.node.ancestors)
        ]

    async def action_leave(self) -> None:
        """Escape: leave a text box, else cancel a request in flight, else go back."""
        if isinstance(self.focused, Input):
            self.catalog.focus_clients()
            return
        if running := self.running():
            for worker in running:
                worker.cancel()
            self.status(
                "✗ Cancelled: the request to the Management API did not finish; the tenant "
                "may or may not have changed (escape again goes back; g there shows it afresh).",
                "bold yellow",
            )
            return
        await self.model.close()
        self.dismiss(None)
