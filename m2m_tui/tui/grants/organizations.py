"""The shown grant's organizations (Auth0's Organizations for M2M): its
organization_usage, whether any organization may be named, and which organizations are
associated with it. Every change is written at once, as the dashboard's toggles are."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from m2m_tui.admin.management_api import ManagementError
from m2m_tui.session.grants import GrantsModel
from m2m_tui.tui.grants.messages import Status, TenantChanged
from m2m_tui.tui.jobs import job

USAGES = (
    ("usage: deny", "deny"),
    ("usage: allow", "allow"),
    ("usage: require", "require"),
)


class GrantOrganizations(Vertical):
    DEFAULT_CSS = """
    GrantOrganizations { height: auto; margin-top: 1; }
    GrantOrganizations #org-row { height: auto; }
    GrantOrganizations #org-usage { width: 21; }
    GrantOrganizations #org-list { height: auto; max-height: 6; }
    GrantOrganizations #org-note { color: $text-muted; }
    """

    def __init__(self, model: GrantsModel, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.grant: dict | None = None
        self.associated: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Static(Text("Organizations", style="bold"), id="org-title")
        with Horizontal(id="org-row"):
            yield Select(USAGES, allow_blank=False, value="deny", id="org-usage")
            yield Checkbox("any org", id="org-any")  # allow_any_organization; narrow at 80 columns
        yield SelectionList(id="org-list")
        yield Static(id="org-note")
        yield Input(placeholder="create an organization: name display name", id="new-org")

    def status(self, text: str, style: str = "") -> None:
        self.post_message(Status(text, style))

    def show(self, grant: dict | None) -> None:
        """The grant's usage now; its associations once the Management API says."""
        self.grant = grant
        self.display = grant is not None
        if grant is None:
            return
        self.query_one("#org-usage", Select).value = grant.get("organization_usage") or "deny"
        self.query_one("#org-any", Checkbox).value = bool(grant.get("allow_any_organization"))
        if self.model.organizations is None:
            self.query_one("#org-list", SelectionList).clear_options()
            self.note(f"The organizations cannot be read: {self.model.organizations_unavailable}")
            return
        self.load_worker(grant["id"])

    def note(self, text: str) -> None:
        # Plain text: it holds the tenant's words and names, never markup.
        self.query_one("#org-note", Static).update(Text(text))

    def job_failed(self, group: str, line: Text) -> None:
        """Reading them: under the list. A change: on the status line, and the toggles back
        to what the tenant has (the grant as last read)."""
        if group == "grant-orgs":
            self.note(line.plain)
            return
        self.status(line.plain, "bold red")
        if self.grant is not None:
            self.show(self.grant)

    @job("grant-orgs", "Its organizations cannot be read")
    async def load_worker(self, grant_id: str) -> None:
        try:
            named = await self.model.grant_organizations(grant_id)
        except ManagementError as exc:
            self.note(f"Its organizations cannot be read: {exc.message}")
            return
        if self.grant is None or self.grant["id"] != grant_id:
            return  # another grant is shown now
        self.associated = {o["id"] for o in named}
        self.fill()

    def fill(self) -> None:
        listed = self.query_one("#org-list", SelectionList)
        highlighted = listed.highlighted
        listed.clear_options()
        for org in self.model.organizations or []:
            shown = org.get("display_name") or ""
            # Text, not markup: an organization's names are the tenant's, shown as written.
            label = Text(org["name"])
            if shown and shown != org["name"]:
                label.append(f"  {shown}", "dim")
            listed.add_option(Selection(label, org["id"], org["id"] in self.associated))
        if highlighted is not None and highlighted < listed.option_count:
            listed.highlighted = highlighted
        listed.display = listed.option_count > 0  # no empty box: the note says there are none
        self.note(self.explain())

    def explain(self) -> str:
        """What the grant's settings mean for a token request, in one line."""
        usage = (self.grant or {}).get("organization_usage") or "deny"
        if not self.model.organizations:
            return f"{usage}; the tenant has no organizations yet: create one below."
        if usage == "deny":
            return "deny: requests naming an organization are refused; checked ones wait."
        names = [o["name"] for o in self.model.organizations if o["id"] in self.associated]
        which = (
            "any organization"
            if (self.grant or {}).get("allow_any_organization")
            else ", ".join(names) or "no organization yet (check one)"
        )
        must = "must name" if usage == "require" else "may name"
        return f"{usage}: token requests {must} {which}."

    # --- changes ----------------------------------------------------------------------------
    @on(Select.Changed, "#org-usage")
    def usage_changed(self, event: Select.Changed) -> None:
        if self.grant and event.value != (self.grant.get("organization_usage") or "deny"):
            self.usage_worker(self.grant, usage=str(event.value))

    @on(Checkbox.Changed, "#org-any")
    def any_changed(self, event: Checkbox.Changed) -> None:
        if self.grant and event.value != bool(self.grant.get("allow_any_organization")):
            self.usage_worker(self.grant, allow_any=event.value)

    @job("grants", "The organization usage was not saved")
    async def usage_worker(
        self, grant: dict, usage: str | None = None, allow_any: bool | None = None
    ) -> None:
        try:
            self.grant = await self.model.set_organization_usage(grant["id"], usage, allow_any)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            self.show(grant)  # back to what the tenant has
            return
        said = self.explain()
        self.status(f"✓ Saved: {grant['client_id']} on {grant['audience']}: {said}", "green")
        self.note(said)
        self.post_message(TenantChanged())

    @on(SelectionList.SelectionToggled, "#org-list")
    def org_toggled(self, event: SelectionList.SelectionToggled) -> None:
        if self.grant is not None:
            org_id = event.selection.value
            self.associate_worker(self.grant, org_id, org_id not in self.associated)

    @job("grants", "The association was not changed")
    async def associate_worker(self, grant: dict, org_id: str, associated: bool) -> None:
        name = next(
            (o["name"] for o in self.model.organizations or [] if o["id"] == org_id), org_id
        )
        try:
            await self.model.set_associated(org_id, grant["id"], associated)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            self.fill()  # the check mark goes back to what the tenant has
            return
        (self.associated.add if associated else self.associated.discard)(org_id)
        self.fill()
        verb = "may now name" if associated else "may no longer name"
        tail = ""
        if associated and (grant.get("organization_usage") or "deny") == "deny":
            tail = " (its usage is deny: set allow or require for it to count)"
        self.status(f"✓ {grant['client_id']} on {grant['audience']} {verb} {name}{tail}.", "green")

    @on(Input.Submitted, "#new-org")
    def new_org(self, event: Input.Submitted) -> None:
        name, _, shown = event.value.strip().partition(" ")
        if not name:
            self.status("✗ An organization needs a name: type one, then Enter.", "bold yellow")
            return
        event.input.value = ""
        self.create_worker(name, shown.strip())

    @job("grants", "The organization was not created")
    async def create_worker(self, name: str, display_name: str) -> None:
        try:
            org = await self.model.create_organization(name, display_name)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        self.fill()
        self.status(f"✓ Created {org['name']} ({org['id']}): check it to associate it.", "green")
