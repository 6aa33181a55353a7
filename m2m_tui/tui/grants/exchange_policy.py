"""The shown client's token exchange policy (RFC 8693; Auth0's token exchange profiles):
which subject tokens it may exchange, for which APIs, and how scopes narrow across the
exchange ("routes:read ← directions"). A profile checked is one the client may exchange
through; the highlighted profile's audiences and scope map are edited below it. Every
change is written at once, as the organizations' toggles are."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, SelectionList, Static
from textual.widgets.selection_list import Selection

from m2m_tui.admin.exchange_profiles import (
    concerning_api,
    concerning_client,
    details,
    scope_lines,
    scope_map_entry,
    sentence,
    short_type,
)
from m2m_tui.admin.management_api import ManagementError
from m2m_tui.session.grants import GrantsModel
from m2m_tui.tui.grants.messages import Status
from m2m_tui.tui.jobs import job

CREATE_HINT = (
    "`m2m-tui exchange-profiles create --name NAME --client CLIENT --audience API "
    "--scope-map TARGET=SUBJECT` makes one."
)


class ExchangePolicy(Vertical):
    DEFAULT_CSS = """
    ExchangePolicy { height: auto; margin-top: 1; }
    ExchangePolicy #exchange-profiles { height: auto; max-height: 6; }
    ExchangePolicy #exchange-detail { color: $text-muted; padding-left: 2; }
    """

    def __init__(self, model: GrantsModel, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.client_id: str | None = None
        self.audience: str | None = None  # the API shown beside it

    def compose(self) -> ComposeResult:
        yield Static(Text("Token exchange (RFC 8693)", style="bold"), id="exchange-title")
        yield Static(id="exchange-note")
        yield SelectionList(id="exchange-profiles")
        yield Static(id="exchange-detail")
        # Each hint fits a narrow input (the screen's editor column at 80x24).
        yield Input(placeholder="audience: API adds, -API removes", id="exchange-audience")
        yield Input(placeholder="scope map: to=from sets, to= removes", id="exchange-scope")

    def status(self, text: str, style: str = "") -> None:
        self.post_message(Status(text, style))

    def job_failed(self, group: str, line: Text) -> None:
        """On the status line; the check marks back to what the tenant has."""
        self.status(line.plain, "bold red")
        self.fill()

    @property
    def profiles(self) -> list[dict]:
        return self.model.exchange_profiles or []

    def highlighted(self) -> dict | None:
        listed = self.query_one("#exchange-profiles", SelectionList)
        if listed.highlighted is None or listed.highlighted >= listed.option_count:
            return None
        chosen = listed.get_option_at_index(listed.highlighted).value
        return next((p for p in self.profiles if p["id"] == chosen), None)

    def focus_profiles(self) -> None:
        """The profile list focused (or the note, when there is none to check)."""
        listed = self.query_one("#exchange-profiles", SelectionList)
        if listed.display:
            listed.focus()
            if listed.option_count:
                listed.highlighted = 0  # ctrl+x lands on the first profile
        self.scroll_visible()

    def show(self, client_id: str | None, audience: str | None = None) -> None:
        self.client_id, self.audience = client_id, audience
        self.display = client_id is not None
        if client_id is not None:
            self.fill()

    def fill(self) -> None:
        """The profiles, checked where the client may exchange through them, from the
        tenant as last read."""
        readable = self.model.exchange_profiles is not None
        listed = self.query_one("#exchange-profiles", SelectionList)
        kept = listed.highlighted
        listed.clear_options()
        for profile in self.profiles:
            label = Text(profile.get("name") or profile["id"])
            targets = ", ".join(profile.get("audiences") or []) or "no API yet"
            label.append(f"  {short_type(profile.get('subject_token_type', '?'))} → {targets}")
            mine = self.client_id in (profile.get("client_ids") or [])
            listed.add_option(Selection(label, profile["id"], mine))
        if listed.option_count:
            listed.highlighted = kept if kept is not None and kept < listed.option_count else 0
        for part in ("#exchange-profiles", "#exchange-detail", "Input"):
            for widget in self.query(part):
                widget.display = readable and bool(self.profiles)
        self.query_one("#exchange-note", Static).update(Text(self.explain()))
        self.detail()

    def explain(self) -> str:
        """What the client may exchange, and how the shown API's tokens may be had."""
        if self.model.exchange_profiles is None:
            return f"The token exchange profiles cannot be read: {self.model.exchange_unavailable}"
        if not self.profiles:
            return "The tenant has no token exchange profile. " + CREATE_HINT
        mine = concerning_client(self.profiles, self.client_id or "")
        lines = [self.said_of_client(p) for p in mine] or [
            f"No token exchange profile lets {self.client_id} exchange tokens yet: "
            "space on a profile below lets it."
        ]
        if self.audience:
            # Only a profile some client may exchange through gives tokens for the API.
            usable = [
                p for p in concerning_api(self.profiles, self.audience) if p.get("client_ids")
            ]
            by = [p.get("name") or p["id"] for p in usable]
            lines.append(
                f"Tokens for {self.audience} may be had by exchange through {', '.join(by)}."
                if by
                else f"No profile exchanges tokens for {self.audience}."
            )
        return "\n".join(lines)

    def said_of_client(self, profile: dict) -> str:
        """The profile's sentence for the shown client, and the audiences it lists where
        the client holds no grant (the exchange is then refused: no_client_grant)."""
        said = sentence(profile, self.client_id)
        ungranted = [
            a
            for a in profile.get("audiences") or []
            if self.client_id and self.model.grant_for(self.client_id, a) is None
        ]
        if ungranted:
            said += (
                f". But {self.client_id} has no grant on {', '.join(ungranted)}: such an "
                "exchange is refused (no_client_grant) until it is authorized there"
            )
        return said

    def detail(self) -> None:
        profile = self.highlighted()
        # A grid: a long value wraps under itself, not under its label.
        shown = Table.grid(padding=(0, 1))
        shown.add_column(style="dim", no_wrap=True)
        shown.add_column()
        if profile is not None:
            shown.add_row("id", profile["id"])
            for label, value in details(profile):
                shown.add_row(label, Text(value))
        self.query_one("#exchange-detail", Static).update(shown)

    @on(SelectionList.SelectionHighlighted, "#exchange-profiles")
    def highlight_moved(self) -> None:
        self.detail()

    # --- changes ----------------------------------------------------------------------------
    @on(SelectionList.SelectionToggled, "#exchange-profiles")
    def profile_toggled(self, event: SelectionList.SelectionToggled) -> None:
        profile = next((p for p in self.profiles if p["id"] == event.selection.value), None)
        if profile is not None and self.client_id is not None:
            present = self.client_id not in (profile.get("client_ids") or [])
            self.member_worker(profile["id"], "client_ids", self.client_id, present)

    @on(Input.Submitted, "#exchange-audience")
    def audience_typed(self, event: Input.Submitted) -> None:
        profile, typed = self.highlighted(), event.value.strip()
        if profile is None or not typed.lstrip("-"):
            self.status("Type an API's identifier (or -identifier to remove it).", "yellow")
            return
        event.input.value = ""
        self.member_worker(profile["id"], "audiences", typed.lstrip("-"), not typed.startswith("-"))

    @on(Input.Submitted, "#exchange-scope")
    def scope_typed(self, event: Input.Submitted) -> None:
        profile = self.highlighted()
        try:
            target, subjects = scope_map_entry(event.value.strip())
        except ValueError as exc:
            self.status(f"✗ {exc}", "bold yellow")
            return
        if profile is not None:
            event.input.value = ""
            self.scope_worker(profile["id"], target, subjects)

    @job("grants", "The token exchange profile was not changed")
    async def member_worker(self, profile_id: str, field: str, value: str, present: bool) -> None:
        try:
            changed = await self.model.set_exchange_member(profile_id, field, value, present)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            self.fill()  # the check mark goes back to what the tenant has
            return
        self.fill()
        name = changed.get("name") or profile_id
        if field == "client_ids":
            said = (
                f"{value} may now exchange tokens through {name}"
                if present
                else f"{value} may no longer exchange tokens through {name}"
            )
        else:
            said = (
                f"{name} now exchanges tokens for {value}"
                if present
                else f"{name} no longer exchanges tokens for {value}"
            )
        self.status(f"✓ {said}.", "green")

    @job("grants", "The scope map was not changed")
    async def scope_worker(self, profile_id: str, target: str, subjects: list[str]) -> None:
        try:
            changed = await self.model.set_exchange_scope(profile_id, target, subjects)
        except ManagementError as exc:
            self.status(f"✗ {exc.message}", "bold red")
            return
        self.fill()
        name = changed.get("name") or profile_id
        if subjects:
            line = scope_lines({target: subjects})[0]
            said = f"{name}: {line} (a subject token with {' or '.join(subjects)} gets {target})"
        else:
            said = f"{name}: {target} is no longer mapped (carried only if the subject has it)"
        self.status(f"✓ {said}.", "green")
