"""The tenant's signing keys: rotate, revoke, and watch what the API makes of a token
signed by the key that was current before."""

from __future__ import annotations

import asyncio

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static

from m2m_tui import views
from m2m_tui.admin.management_api import ManagementError
from m2m_tui.session.grants import GrantsModel
from m2m_tui.tokens.decoded import NotAJwt, decode
from m2m_tui.tui.grants.messages import Status
from m2m_tui.tui.jobs import job


class SigningKeys(Vertical):
    DEFAULT_CSS = """
    SigningKeys #keys { height: auto; max-height: 10; }
    SigningKeys #key-buttons { height: auto; }
    """

    def __init__(self, model: GrantsModel, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.old_token: str | None = None

    def compose(self) -> ComposeResult:
        yield DataTable(id="keys", cursor_type="row")
        with Horizontal(id="key-buttons"):
            yield Button("Rotate", id="rotate", variant="warning")
            yield Button("Revoke selected", id="revoke", variant="error")
            yield Button("Check the old token", id="check-old")
        yield Static(id="keys-status")

    def on_mount(self) -> None:
        self.query_one("#keys", DataTable).add_columns("kid", "state", "since")

    def say(self, renderable) -> None:
        self.query_one("#keys-status", Static).update(renderable)

    def job_failed(self, group: str, line: Text) -> None:
        """Under the keys, where "Still accepted…" and the verdicts show."""
        self.say(line)

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
        actions = {"rotate": self.rotate, "revoke": self.revoke, "check-old": self.check_old}
        if event.button.id in actions:
            event.stop()
            actions[event.button.id]()

    @job("keys", "The key was not rotated")
    async def rotate(self) -> None:
        self.old_token = self.model.session.token  # signed by the key about to be "previous"
        try:
            result = await self.model.rotate_key()
        except ManagementError as exc:
            self.post_message(Status(f"✗ {exc.message}", "bold red"))
            return
        self.show_keys()
        note = (
            " The last token (old key) is kept: Check the old token shows the API still accepts it."
            if self.old_token
            else " Get a token first to follow an old one."
        )
        self.say(Text(f"✓ Rotated: {result['kid']} now signs.{note}", style="green"))

    @job("keys", "The key was not revoked")
    async def revoke(self) -> None:
        table = self.query_one("#keys", DataTable)
        if not self.model.keys:
            return
        key = self.model.keys[table.cursor_row]
        try:
            await self.model.revoke_key(key["kid"])
        except ManagementError as exc:
            self.say(Text(f"✗ {exc.message}", style="red"))
            return
        self.show_keys()
        self.say(
            Text(
                f"✓ Revoked {key['kid']}. The API drops it when its JWKS cache lapses (seconds "
                "for the bundled tenant): Check the old token.",
                style="green",
            )
        )

    @job("keys", "Checking the old token failed")
    async def check_old(self) -> None:
        session = self.model.session
        if not self.old_token:
            self.say(
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
            self.say(Text("No API endpoints known.", style="red"))
            return
        params = {p.name: p.example for p in endpoint.params if p.example}
        revoked = any(k.get("revoked") for k in self.model.keys)
        # Asked every half second for up to 12 s: past any JWKS max-age a tenant sets
        # for a demo, and soon after the API's cache lapses.
        for attempt in range(24 if revoked else 1):
            diagnosis, result = await session.explainer.diagnose(self.old_token, endpoint, params)
            if result.status != 200 or not revoked:
                break
            self.say(
                Text(
                    f"Still accepted: the API's cached JWKS has not lapsed yet… "
                    f"(try {attempt + 1})",
                    style="yellow",
                )
            )
            await asyncio.sleep(0.5)
        verdict = (
            Text(f"✓ The API accepts the old-key token ({result.status})", style="green")
            if result.status == 200
            else Text(f"✗ The API refuses the old-key token ({result.status})", style="red")
        )
        self.say(Group(verdict, views.diagnosis_view(diagnosis, endpoint.path)))

    def _scopes_of_old(self) -> list[str]:
        try:
            return decode(self.old_token).scopes
        except NotAJwt:
            return []
