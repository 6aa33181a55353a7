"""One client's grant on one API: its scopes (filter, all, none), Update with a check for
concurrent changes, Test with the scope diff, and adding scopes and clients."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, SelectionList, Static
from textual.widgets.selection_list import Selection

from m2m_tui import views
from m2m_tui.admin.management_api import ManagementError
from m2m_tui.session.grants import ChangedUnderneath, GrantsModel, NoClientCertificate
from m2m_tui.tokens.diff import diff_tokens
from m2m_tui.tui.grants.exchange_policy import ExchangePolicy
from m2m_tui.tui.grants.messages import Status, TenantChanged, TokenTested
from m2m_tui.tui.grants.organizations import GrantOrganizations
from m2m_tui.tui.grants.quota import ClientQuota
from m2m_tui.tui.jobs import job
from oauth_primitives.rules.closed_sets import Dialect
from oauth_primitives.token_shape import AUTHZ  # the dialects that need RBAC

CLIENT_NAME_LIMIT = 100  # Auth0's limit on an application's name


class GrantEditor(VerticalScroll):
    DEFAULT_CSS = """
    GrantEditor { padding: 0 1; }
    GrantEditor #scopes { height: auto; max-height: 10; }
    GrantEditor #scope-empty { display: none; }
    GrantEditor #buttons { height: auto; }
    GrantEditor #buttons Button { margin-right: 1; min-width: 8; }
    """

    def __init__(self, model: GrantsModel, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.api: dict | None = None
        self.client_id: str | None = None
        self.loaded_scope: list[str] | None = None  # the grant as it was when shown
        self.revealed: str | None = None
        self.created: dict | None = None
        self.confirm_duplicate: str | None = None  # a taken name the user was warned about

    def compose(self) -> ComposeResult:
        yield Static(id="grant-title")
        yield Input(placeholder="filter scopes", id="scope-filter")
        yield SelectionList(id="scopes")
        yield Static(id="scope-empty")
        with Horizontal(id="buttons"):
            yield Button("All", id="all")
            yield Button("None", id="none")
            yield Button("Update", id="update", variant="primary")
            yield Button("Test", id="test", variant="success")
        yield Static(id="diff")
        yield ClientQuota(self.model, id="client-quota")
        yield GrantOrganizations(self.model, id="grant-orgs")
        yield ExchangePolicy(self.model, id="exchange-policy")
        yield Input(placeholder="add a scope to this API: value description", id="new-scope")
        yield Input(placeholder="create a client: name", id="new-client")
        yield Static(id="created")

    def status(self, text: str, style: str = "") -> None:
        self.post_message(Status(text, style))

    def job_failed(self, group: str, line: Text) -> None:
        """On the screen's status line, as the tenant's refusals are; a test's under it too."""
        self.status(line.plain, "bold red")
        if group == "test":
            self.query_one("#diff", Static).update(line)

    def show(self, api: dict | None, client_id: str | None, organizations: bool = True) -> None:
        """The grant; with `organizations`, its organizations asked for afresh too."""
        self.api, self.client_id = api, client_id
        title = self.query_one("#grant-title", Static)
        scopes = self.query_one("#scopes", SelectionList)
        scopes.clear_options()
        self.query_one("#scope-empty", Static).display = False
        self.query_one(ClientQuota).show(self.client_id)
        audience = self.api["identifier"] if self.api else None
        self.query_one(ExchangePolicy).show(self.client_id, audience)
        orgs = self.query_one(GrantOrganizations)
        if self.api is None or self.client_id is None:
            orgs.show(None)
            return
        grant = self.model.grant_for(self.client_id, self.api["identifier"])
        if organizations:
            orgs.show(grant)
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
        # The dialect beside the grant: it decides what the token carries (ctrl+l).
        dialect = self.api.get("token_dialect") or Dialect.ACCESS_TOKEN
        title.update(
            Text.assemble(
                (f"{name} ", "bold"),
                (f"on {self.api['identifier']}  ", ""),
                (grant["id"], "dim"),
                (f"  dialect {dialect}", "cyan" if dialect in AUTHZ else "dim"),
            )
        )
        needle = self.query_one("#scope-filter", Input).value.strip().lower()
        for scope in self.api["scopes"]:
            if needle and needle not in scope["value"].lower():
                continue
            label = f"{scope['value']}  [dim]{scope.get('description', '')}[/]"
            scopes.add_option(Selection(label, scope["value"], scope["value"] in grant["scope"]))
        empty = self.query_one("#scope-empty", Static)
        empty.display = bool(needle) and not scopes.option_count
        empty.update(Text(f"No scope of {self.api['name']} matches “{needle}”.", "yellow"))

    @on(Input.Changed, "#scope-filter")
    def filter_changed(self) -> None:
        # A keystroke: the scopes again; the organizations are as shown (one Management
        # API request per key would be waste).
        self.show(self.api, self.client_id, organizations=False)

    def chosen_scopes(self) -> list[str]:
        """The checked scopes, keeping the granted ones the filter hides."""
        scopes = self.query_one("#scopes", SelectionList)
        shown = {scopes.get_option_at_index(i).value for i in range(scopes.option_count)}
        checked = set(scopes.selected)
        hidden = [s for s in (self.loaded_scope or []) if s not in shown]
        order = [s["value"] for s in self.api["scopes"]]
        return [s for s in order if s in checked or s in hidden]

    def select_all(self) -> None:
        self.query_one("#scopes", SelectionList).select_all()

    def select_none(self) -> None:
        self.query_one("#scopes", SelectionList).deselect_all()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        actions = {
            "all": self.select_all,
            "none": self.select_none,
            "update": self.update,
            "test": self.test,
        }
        if event.button.id in actions:
            event.stop()
            actions[event.button.id]()

    # --- the grant -------------------------------------------------------------------
    def update(self) -> None:
        if self.api and self.client_id and self.loaded_scope is not None:
            self.update_worker(
                self.client_id, self.api["identifier"], self.chosen_scopes(), self.loaded_scope
            )

    @job("grants", "The grant was not saved")
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
            self.post_message(TenantChanged())
            return
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        self.status(
            f"✓ Saved: {client_id} on {audience} now has "
            f"[{' '.join(grant['scope'])}]. Test gets a new token.",
            "green",
        )
        self.post_message(TenantChanged())

    def toggle_authorized(self) -> None:
        if self.api and self.client_id:
            self.toggle_worker(self.client_id, self.api["identifier"], self.loaded_scope is None)

    @job("grants", "The grant was not changed")
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
        self.post_message(TenantChanged())

    def toggle_dpop(self) -> None:
        if self.api is not None:
            self.dpop_worker(self.api)

    @job("grants", "DPoP was not changed")
    async def dpop_worker(self, api: dict) -> None:
        try:
            mode = await self.model.toggle_dpop(api)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        if mode == "required":
            text = (
                f"✓ {api['identifier']} now requires DPoP: token requests without a proof "
                "are refused (profiles need dpop = true). ctrl+o turns it off."
            )
        else:
            text = f"✓ {api['identifier']} no longer requires DPoP: Bearer tokens are issued again."
        self.status(text, "green")
        self.post_message(TenantChanged())

    def toggle_mtls(self) -> None:
        if self.api is not None:
            self.mtls_worker(self.api)

    @job("grants", "The certificate binding was not changed")
    async def mtls_worker(self, api: dict) -> None:
        try:
            mode = await self.model.toggle_mtls(api)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        if mode == "required":
            text = (
                f"✓ {api['identifier']}'s tokens are now bound to the client's certificate "
                "(cnf.x5t#S256): token requests need mutual TLS. ctrl+b turns it off."
            )
        else:
            text = f"✓ {api['identifier']}'s tokens are no longer bound to a certificate."
        self.status(text, "green")
        self.post_message(TenantChanged())

    def next_dialect(self) -> None:
        if self.api is not None:
            self.dialect_worker(self.api)

    @job("grants", "The token dialect was not changed")
    async def dialect_worker(self, api: dict) -> None:
        from m2m_tui.tokens.dialects import words_of

        try:
            dialect = await self.model.next_dialect(api)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        rbac = " RBAC is on." if dialect in AUTHZ else ""
        self.status(
            f"✓ {api['identifier']} now issues {dialect} tokens: {words_of(dialect)}.{rbac} "
            "ctrl+l moves to the next; the next token shows it.",
            "green",
        )
        self.post_message(TenantChanged())

    def register_certificate(self) -> None:
        if self.client_id:
            self.certificate_worker(self.client_id)

    @job("grants", "The certificate was not registered")
    async def certificate_worker(self, client_id: str) -> None:
        try:
            method, thumbprint = await self.model.register_certificate(client_id)
        except (ManagementError, NoClientCertificate) as exc:
            self.status(f"✗ {getattr(exc, 'message', exc)}", "bold red")
            return
        self.status(
            f"✓ {client_id} now authenticates with {method}: this profile's certificate "
            f"(x5t#S256 {thumbprint}). Its secret no longer works.",
            "green",
        )
        self.post_message(TenantChanged())

    def test(self) -> None:
        if self.api and self.client_id:
            self.test_worker(self.client_id, self.api["identifier"])

    @job("test", "The test failed")
    async def test_worker(self, client_id: str, audience: str) -> None:
        try:
            result = await self.model.test(client_id, audience)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        diff = self.query_one("#diff", Static)
        outcome = result.outcome
        self.query_one(ClientQuota).show(client_id)  # its headers tell the use anew
        if not outcome.ok:
            diff.update(
                Text(
                    f"✗ {outcome.error}: {outcome.description}"
                    + (f"\n→ {outcome.hint}" if outcome.hint else ""),
                    style="red",
                )
            )
            return
        parts = [Text(f"✓ New token for {client_id}", style="bold green")]
        if result.previous is None:
            parts.append(views.scope_diff_line(result.added, result.removed, result.kept))
            parts.append(Text("(no earlier token of this client to compare with)", style="dim"))
        else:  # the token diff leads with the scope line itself
            parts.append(views.token_diff_view(diff_tokens(result.previous, outcome.access_token)))
        diff.update(Group(*parts))
        self.app.post_message(TokenTested())

    # --- the API's scopes and new clients ---------------------------------------------
    @on(Input.Submitted, "#new-scope")
    def new_scope(self, event: Input.Submitted) -> None:
        value, _, description = event.value.strip().partition(" ")
        if not value or self.api is None:
            return
        event.input.value = ""
        self.scope_worker(value, description.strip())

    @job("grants", "The scope was not added")
    async def scope_worker(self, value: str, description: str) -> None:
        try:
            await self.model.add_api_scope(self.api, value, description)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        self.status(f"✓ {self.api['identifier']} now offers {value}.", "green")
        self.post_message(TenantChanged())

    def remove_scope(self) -> None:
        """Remove the highlighted scope from the API itself (not just from this grant)."""
        scopes = self.query_one("#scopes", SelectionList)
        if self.api is None or scopes.highlighted is None:
            self.status(
                "Highlight a scope in the list first (ctrl+d removes it from the API).", "yellow"
            )
            return
        self.remove_scope_worker(scopes.get_option_at_index(scopes.highlighted).value)

    @job("grants", "The scope was not removed")
    async def remove_scope_worker(self, value: str) -> None:
        try:
            await self.model.remove_api_scope(self.api, value)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        self.status(f"✓ {self.api['identifier']} no longer offers {value}.", "green")
        self.post_message(TenantChanged())

    @on(Input.Submitted, "#new-client")
    def new_client(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        if not name:
            self.status("✗ A client needs a name: type one, then Enter.", "bold yellow")
            return
        if len(name) > CLIENT_NAME_LIMIT:
            self.status(
                f"✗ That name has {len(name)} characters; Auth0 allows at most "
                f"{CLIENT_NAME_LIMIT}. Shorten it, then Enter.",
                "bold yellow",
            )
            return
        taken = [c["client_id"] for c in self.model.clients if c["name"] == name]
        if taken and self.confirm_duplicate != name:
            self.confirm_duplicate = name
            self.status(
                f"⚠ A client named {name} exists already ({taken[0]}): press Enter again to "
                "create another with the same name, or change it.",
                "bold yellow",
            )
            return
        self.confirm_duplicate = None
        self.client_worker(name)
        event.input.value = ""

    @job("grants", "The client was not created")
    async def client_worker(self, name: str) -> None:
        try:
            self.created = await self.model.create_client(name)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        self.revealed = None
        self.show_created()
        self.post_message(TenantChanged())

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

    def exchange_policy(self) -> None:
        """ctrl+x: the client's token exchange profiles, focused and scrolled to."""
        policy = self.query_one(ExchangePolicy)
        if policy.display:
            policy.focus_profiles()

    def reveal(self) -> None:
        if self.created:
            self.revealed = self.created["client_secret"]
            self.show_created()
