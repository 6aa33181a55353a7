"""The m2m-tui Textual app: token, inspector, API caller and history, keyboard first."""

from __future__ import annotations

import asyncio
import time

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Collapsible,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    LoadingIndicator,
    Static,
    TabbedContent,
    TabPane,
)

from m2m_tui import render
from m2m_tui.api_client import ApiCall, ApiEndpoint, predict
from m2m_tui.exchange import describe_odd_answer
from m2m_tui.jwt_inspect import decode, explain, explain_header, scopes_against
from m2m_tui.local_server import (
    LocalServer,
    StartFailed,
    listening,
    points_at_bundled,
    start_bundled,
)
from m2m_tui.profiles import overridden_by_env
from m2m_tui.session import Inspection, Session
from m2m_tui.token_client import TokenOutcome
from m2m_tui.tui.history_list import HistoryList
from m2m_tui.tui.screens import HelpScreen, ProfileScreen, SecretPrompt, TextScreen


class M2MApp(App):
    TITLE = "m2m-tui"
    CSS = """
    #token-status { height: auto; padding: 0 1; }
    #token-spinner { height: 1; display: none; }
    #token-spinner.busy { display: block; }
    #paste { margin: 0 1; }
    #endpoints { height: auto; max-height: 8; }
    #params { height: auto; padding: 0 1; }
    #params Input { width: 1fr; }
    #params Label { padding: 1 1 0 0; }
    #api-response, #token-view, #inspection, #history-detail { padding: 0 1; }
    #history-table { height: 1fr; min-height: 5; }
    #history-detail-scroll { height: 1fr; }
    """
    BINDINGS = [
        Binding("t", "token", "Token"),
        Binding("n", "new_token", "New token"),
        Binding("c", "call", "Call"),
        Binding("i", "show_tab('inspector')", "Inspect"),
        Binding("a", "show_tab('api')", "API", show=False),
        Binding("h", "show_tab('history')", "History"),
        Binding("d", "diagnose", "Why?"),
        Binding("l", "tamper_lab", "Tamper lab", show=False),
        Binding("f", "apply_fix", "Apply fix", show=False),
        Binding("m", "mark", "Mark token", show=False),
        Binding("x", "diff_marked", "Diff with marked", show=False),
        Binding("e", "export_history", "Export history", show=False),
        Binding("J", "full_json", "Full JSON", show=False),
        Binding("p", "profile", "Profile"),
        Binding("g", "grants", "Grants"),
        Binding("y", "copy_token", "Copy token", show=False),
        Binding("u", "copy_curl(False)", "Copy curl", show=False),
        Binding("U", "copy_curl(True)", "Copy curl (token)", show=False),
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("f1,question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, session: Session, autostart: bool = True) -> None:
        super().__init__()
        self.session = session
        self.autostart = autostart
        self.server: LocalServer | None = None
        self.inspection: Inspection | None = None
        self.selected: ApiEndpoint | None = None
        self.param_values: dict[str, dict[str, str]] = {}
        self.fixable_scope: str | None = None
        self.marked: int | None = None
        self.inspection_rendered_at = 0.0  # a history row marked for a token diff

    # --- layout ------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="token", id="tabs"):
            with TabPane("Token", id="token"):
                yield Static(id="token-status")
                yield LoadingIndicator(id="token-spinner")
                with VerticalScroll(id="token-scroll"):
                    yield Static(id="token-view")
            with TabPane("Inspector", id="inspector"):
                # Shown as dots: a pasted token must not end up in a screenshot.
                yield Input(
                    placeholder="Paste any token here and press Enter (shown masked)",
                    password=True,
                    id="paste",
                )
                with VerticalScroll(id="inspection-scroll"):
                    yield Static(id="expiry")
                    yield Static(id="inspection")
                    # Folded: the tables above say the same, and a folded section costs
                    # nothing to draw (a large token's JSON was a third of a frame).
                    with Collapsible(title="Raw JSON: header and payload", id="raw-json"):
                        yield Static(id="inspection-json")
            with TabPane("API", id="api"):
                yield DataTable(id="endpoints", cursor_type="row", zebra_stripes=True)
                yield Horizontal(id="params")
                with VerticalScroll():
                    yield Static(id="api-response")
            with TabPane("Why?", id="why"):
                with VerticalScroll(id="why-scroll"):
                    yield Static(id="why-view")
            with TabPane("Lab", id="lab"):
                with VerticalScroll(id="lab-scroll"):
                    yield Static(id="lab-view")
            with TabPane("History", id="history"):
                with Vertical():
                    yield HistoryList(self.session.history, id="history-table")
                    with VerticalScroll(id="history-detail-scroll"):
                        yield Static(id="history-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#endpoints", DataTable).add_columns("method", "path", "scope", "prediction")
        self.show_profile()
        self.query_one("#token-scroll").focus()
        self.set_interval(1.0, self.tick)
        self.start_up()

    def show_profile(self, note: str = "") -> None:
        p = self.session.profile
        self.sub_title = f"{p.name} · {p.client_id} → {p.audience or p.resource or p.scope or ''}"
        lines = [
            Text.assemble(
                ("Profile ", "dim"),
                (p.name, "bold"),
                ("  issuer ", "dim"),
                p.issuer,
                ("  client ", "dim"),
                p.client_id,
            )
        ]
        env = overridden_by_env()
        if env:
            lines.append(Text(f"overridden by the environment: {', '.join(env)}", style="yellow"))
        if note:
            lines.append(Text(note, style="cyan"))
        lines.append(Text("Press t for a token, n for a new one, ? for help.", style="dim"))
        self.query_one("#token-status", Static).update(Group(*lines))

    @work(exclusive=True, group="startup", exit_on_error=False)
    async def start_up(self) -> None:
        """Start the bundled server when the profile needs it, then load the API's endpoints."""
        session = self.session
        if self.autostart and points_at_bundled(session.profile, session.config):
            port = session.config.server.authority_port
            if self.server is None and not listening("127.0.0.1", port):
                self.show_profile("Starting the bundled server…")
                try:
                    self.server = await asyncio.to_thread(
                        start_bundled, session.config, session.state_dir
                    )
                except StartFailed as exc:
                    self.notify(str(exc), severity="error", timeout=15)
                else:
                    self.show_profile(
                        f"Started the bundled server in the background (log: "
                        f"{self.server.log_path}); it stops when you quit."
                    )
        await self.load_endpoints()

    def on_unmount(self) -> None:
        if self.server is not None:
            self.server.stop()

    # --- token -------------------------------------------------------------
    def action_token(self) -> None:
        self.request_token(force=False)

    def action_new_token(self) -> None:
        self.request_token(force=True)

    def request_token(self, force: bool) -> None:
        if self.session.needs_prompt():

            def got(secret: str | None) -> None:
                if secret:
                    self.session.prompted_secret = secret
                    self.request_token(force)

            self.push_screen(SecretPrompt(self.session.profile.name), got)
            return
        self.action_show_tab("token")
        self.query_one("#token-spinner").add_class("busy")
        self.token_worker(force)

    @work(exclusive=True, group="token", exit_on_error=False)
    async def token_worker(self, force: bool) -> None:
        try:
            outcome = await self.session.get_token(force=force)
        finally:
            self.query_one("#token-spinner").remove_class("busy")
        self.show_token(outcome)

    def action_cancel(self) -> None:
        if isinstance(self.focused, Input):
            self.action_show_tab(self.query_one("#tabs", TabbedContent).active)
            return
        if self.workers and any(w.group == "token" and w.is_running for w in self.workers):
            self.workers.cancel_group(self, "token")
            self.query_one("#token-spinner").remove_class("busy")
            self.notify("Token request cancelled.")

    def show_token(self, outcome: TokenOutcome) -> None:
        parts = []
        if outcome.ok:
            source = (
                "from the cache (press n for a new one)"
                if outcome.from_cache
                else f"new, in {outcome.exchange.duration_ms:.0f} ms"
            )
            parts.append(Text(f"✓ Token received — {source}", style="bold green"))
            if outcome.hint:
                parts.append(Text(outcome.hint, style="yellow"))
        else:
            parts.append(Text(f"✗ {outcome.error}: {outcome.description}", style="bold red"))
            if outcome.hint:
                parts.append(Text(f"→ {outcome.hint}", style="yellow"))
        if outcome.exchange is not None:
            parts.append(render.exchange_view(outcome.exchange, "Exchange"))
        self.query_one("#token-view", Static).update(Group(*parts))
        self.add_history_rows()
        if outcome.ok:
            self.inspect(outcome.access_token)
            self.refresh_predictions()

    # --- inspector -----------------------------------------------------------
    @on(Input.Submitted, "#paste")
    def pasted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.inspect(event.value)
        else:
            self.notify("Paste a token first.", severity="warning")

    @work(exclusive=True, group="inspect", exit_on_error=False)
    async def inspect(self, raw: str) -> None:
        self.inspection = await self.session.inspect(raw)
        self.render_inspection()

    def render_inspection(self) -> None:
        view = self.query_one("#inspection", Static)
        self.inspection_rendered_at = time.monotonic()
        self.render_expiry()
        ins = self.inspection
        raw_json = self.query_one("#raw-json", Collapsible)
        raw_json.display = bool(ins and ins.decoded)
        if ins is None:
            view.update(Text("No token yet: press t, or paste one above.", style="dim"))
            return
        if ins.decoded is None:
            view.update(Text(ins.problem or "not a token", style="bold red"))
            return
        d = ins.decoded
        self.query_one("#inspection-json", Static).update(
            Group(*self.json_parts("Header", d.header), *self.json_parts("Payload", d.payload))
        )
        view.update(
            Group(
                render.signature_line(ins.signature, ins.signature_note),
                render.claims_table(explain(d), "Claims"),
                render.scopes_table(
                    scopes_against(d, self.session.offered_scopes),
                    max(20, self.size.width - 4),  # the view may not be laid out yet
                ),
                render.claims_table(explain_header(d), "Header"),
            )
        )

    @staticmethod
    def json_parts(title: str, value: dict) -> list:
        shown, cut = render.shortened(value)
        note = f"  {cut} long string(s) shortened; J shows it all" if cut else ""
        return [Text.assemble((title, "bold"), (note, "dim")), render.json_block(shown)]

    def action_full_json(self) -> None:
        ins = self.inspection
        if not (ins and ins.decoded):
            self.notify("Inspect a token first.", severity="warning")
            return
        import json

        text = json.dumps({"header": ins.decoded.header, "payload": ins.decoded.payload}, indent=2)
        self.push_screen(TextScreen("The token's header and payload, in full:", text))

    def render_expiry(self) -> None:
        ins = self.inspection
        line = render.expiry_line(ins.decoded) if ins and ins.decoded else ""
        self.query_one("#expiry", Static).update(line)

    def tick(self) -> None:
        """The live countdown: the expiry line every second; the whole inspector (whose
        claims table also says "expires in …") once a minute, as it is costly to draw."""
        if not (self.inspection and self.inspection.decoded):
            return
        if self.query_one("#tabs", TabbedContent).active != "inspector":
            return
        if time.monotonic() - self.inspection_rendered_at >= 60:
            self.render_inspection()
        else:
            self.render_expiry()

    # --- API -----------------------------------------------------------------
    async def load_endpoints(self) -> None:
        await self.session.load_api()
        # Highlighting a row (refresh moves the cursor) selects its endpoint, in the
        # app's own message order, so parameter boxes are never built twice at once.
        self.refresh_predictions()

    def token_scopes(self) -> list[str]:
        try:
            return decode(self.session.token).scopes if self.session.token else []
        except Exception:
            return []

    def refresh_predictions(self) -> None:
        table = self.query_one("#endpoints", DataTable)
        row = table.cursor_row
        table.clear()
        scopes = self.token_scopes()
        for e in self.session.endpoints:
            if self.session.token:
                ok, text = predict(e, scopes)
                mark = Text(text, style="green" if ok else "red")
            else:
                mark = Text("no token yet", style="dim")
            table.add_row(e.method, e.path, e.scope or "—", mark)
        if self.session.endpoints:
            table.move_cursor(row=min(row, len(self.session.endpoints) - 1))

    @on(DataTable.RowHighlighted, "#endpoints")
    async def endpoint_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.session.endpoints):
            await self.select_endpoint(self.session.endpoints[event.cursor_row])

    async def select_endpoint(self, endpoint: ApiEndpoint) -> None:
        if self.selected is endpoint:
            return
        self.save_params()
        self.selected = endpoint
        values = self.param_values.setdefault(
            # A parameter with a default starts empty, its default shown as the placeholder.
            endpoint.path,
            {p.name: "" if p.default else p.example for p in endpoint.params},
        )
        box = self.query_one("#params", Horizontal)
        await box.remove_children()  # before mounting boxes that reuse the same ids
        widgets = []
        for p in endpoint.params:
            widgets.append(Label(p.name + ("*" if p.required else "")))
            widgets.append(
                Input(
                    values.get(p.name, ""),
                    placeholder=p.placeholder,
                    id=f"param-{p.name}",
                    classes="param",
                )
            )
        await box.mount_all(widgets)

    def save_params(self) -> None:
        if self.selected is None:
            return
        values = self.param_values.setdefault(self.selected.path, {})
        for box in self.query(".param").results(Input):
            values[box.id.removeprefix("param-")] = box.value

    @on(Input.Submitted, ".param")
    def param_submitted(self) -> None:
        self.action_call()

    def action_call(self) -> None:
        if self.selected is None:
            self.notify("No endpoints loaded (is the API running?).", severity="warning")
            return
        self.save_params()
        if self.query_one("#tabs", TabbedContent).active != "api":
            self.action_show_tab("api")
        if not self.session.token:
            self.notify("No token yet: calling without one (press t first to get one).")
        self.call_worker(self.selected, dict(self.param_values[self.selected.path]))

    @work(exclusive=True, group="call", exit_on_error=False)
    async def call_worker(self, endpoint: ApiEndpoint, params: dict[str, str]) -> None:
        result = await self.session.call(endpoint, params)
        parts = []
        if result.error:
            parts.append(Text(f"✗ {result.error}", style="bold red"))
        elif odd := describe_odd_answer(result.exchange):
            parts.append(Text(f"⚠ {odd}", style="bold yellow"))
        parts.append(render.exchange_view(result.exchange))
        self.query_one("#api-response", Static).update(Group(*parts))
        self.add_history_rows()
        if result.status in (401, 403) and self.session.token:
            # A refusal opens the "Why?" panel with the checklist for this very answer.
            diagnosis = await self.session.explain(self.session.token, endpoint, result)
            self.show_diagnosis(diagnosis, f"{endpoint.method} {result.exchange.url}")

    # --- why? and the tamper lab -----------------------------------------------
    def diagnosis_target(self) -> tuple[str | None, ApiEndpoint | None, dict[str, str]]:
        """The pasted/inspected token (else the current one) and the selected endpoint."""
        self.save_params()
        raw = self.inspection.raw if self.inspection else self.session.token
        params = dict(self.param_values.get(self.selected.path, {})) if self.selected else {}
        return raw, self.selected, params

    def action_diagnose(self) -> None:
        raw, endpoint, params = self.diagnosis_target()
        if not raw or endpoint is None:
            self.notify(
                "Get or paste a token, and pick an endpoint in the API tab.", severity="warning"
            )
            return
        self.diagnose_worker(raw, endpoint, params)

    @work(exclusive=True, group="diagnose", exit_on_error=False)
    async def diagnose_worker(self, raw: str, endpoint: ApiEndpoint, params: dict) -> None:
        diagnosis, result = await self.session.diagnose(raw, endpoint, params)
        if result.status is None:
            self.notify(result.error or "the call failed", severity="error")
        self.show_diagnosis(diagnosis, f"{endpoint.method} {result.exchange.url}")

    def show_diagnosis(self, diagnosis, target: str) -> None:
        self.fixable_scope = None
        parts = [render.diagnosis_view(diagnosis, target)]
        scope = next((c for c in diagnosis.checks if c.name == "scope" and c.ok is False), None)
        required = self.selected.scope if self.selected else None
        if scope is not None and required and self.session.token:
            self.fixable_scope = required
            parts.append(
                Text(
                    f"Press f to apply the fix: grant {required} through the "
                    "Management API, then get a new token.",
                    style="bold cyan",
                )
            )
        self.query_one("#why-view", Static).update(Group(*parts))
        self.action_show_tab("why")

    def action_apply_fix(self) -> None:
        if not getattr(self, "fixable_scope", None):
            self.notify("No fix to apply: the Why? panel shows no missing scope.")
            return
        self.fix_worker(self.fixable_scope)

    @work(exclusive=True, group="fix", exit_on_error=False)
    async def fix_worker(self, scope: str) -> None:
        message = await self.session.grant_scope(scope)
        self.fixable_scope = None
        self.notify(message, timeout=10)
        if self.session.token_outcome is not None:
            self.show_token(self.session.token_outcome)
        self.action_show_tab("api")

    def action_tamper_lab(self) -> None:
        raw, endpoint, params = self.diagnosis_target()
        if not raw or endpoint is None:
            self.notify(
                "Get a token first (t), and pick an endpoint in the API tab.", severity="warning"
            )
            return
        self.query_one("#lab-view", Static).update(Text("Sending the variants…", style="dim"))
        self.action_show_tab("lab")
        self.lab_worker(raw, endpoint, params)

    @work(exclusive=True, group="lab", exit_on_error=False)
    async def lab_worker(self, raw: str, endpoint: ApiEndpoint, params: dict) -> None:
        from m2m_tui.jwt_inspect import NotAJwt
        from m2m_tui.tamper import variants

        try:
            found = variants(raw, extra_scope=endpoint.scope or "admin")
        except NotAJwt as exc:
            self.query_one("#lab-view", Static).update(Text(f"Not a JWT: {exc}", style="red"))
            return
        rows = []
        memo: dict = {}  # one metadata and JWKS fetch for all variants
        for variant in found:
            diagnosis, result = await self.session.diagnose(variant.token, endpoint, params, memo)
            rows.append((variant, diagnosis, result))
        self.query_one("#lab-view", Static).update(render.lab_table(rows))

    # --- history ---------------------------------------------------------------
    def add_history_rows(self) -> None:
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
        detail = Text(f"{entry.kind}: {entry.summary} ({entry.status})", style="bold")
        if exchange is None:
            body = Text("no request was made (served from the token cache)", style="dim")
        else:
            body = render.exchange_view(exchange)
        self.query_one("#history-detail", Static).update(Group(detail, body))

    def history_token(self) -> tuple[int, str] | None:
        row = self.query_one("#history-table", HistoryList).cursor_row
        if 0 <= row < len(self.session.history):
            outcome = self.session.history[row].outcome
            if outcome is not None and outcome.access_token:
                return row, outcome.access_token
        return None

    def action_mark(self) -> None:
        found = self.history_token()
        if found is None:
            self.notify("Highlight a token request in History to mark it.", severity="warning")
            return
        self.marked = found[0]
        self.notify(f"Marked row {found[0] + 1}: highlight another token and press x to diff.")

    def action_diff_marked(self) -> None:
        from m2m_tui.jwt_inspect import NotAJwt
        from m2m_tui.token_diff import diff_tokens

        found = self.history_token()
        if self.marked is None or found is None:
            self.notify(
                "Mark a token with m, then highlight another and press x.", severity="warning"
            )
            return
        before = self.session.history[self.marked].outcome.access_token
        try:
            diff = diff_tokens(before, found[1])
        except NotAJwt as exc:
            self.notify(f"Cannot diff: {exc}", severity="error")
            return
        title = Text(f"Token diff: row {self.marked + 1} → row {found[0] + 1}", style="bold")
        self.query_one("#history-detail", Static).update(Group(title, render.token_diff_view(diff)))

    def action_export_history(self) -> None:
        from m2m_tui.history_export import export_history

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

    # --- profiles, copies, help -------------------------------------------------
    FOCUS_IN = {
        "token": "#token-scroll",
        "inspector": "#inspection-scroll",
        "api": "#endpoints",
        "why": "#why-scroll",
        "lab": "#lab-scroll",
        "history": "#history-table",
    }

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab
        # Focus the tab's content, not a text box, so single-key commands keep working.
        self.query_one(self.FOCUS_IN[tab]).focus()
        if tab == "inspector" and self.inspection is None:
            self.render_inspection()

    def action_profile(self) -> None:
        def chosen(name: str | None) -> None:
            if name and name != self.session.profile.name:
                self.session.switch(name)
                self.inspection = None
                self.selected = None
                self.query_one("#token-view", Static).update("")
                self.render_inspection()
                self.show_profile(f"Switched to profile {name}.")
                self.start_up()

        self.push_screen(
            ProfileScreen(list(self.session.config.profiles), self.session.profile.name), chosen
        )

    def action_copy_token(self) -> None:
        token = self.inspection.raw if self.inspection else self.session.token
        if not token:
            self.notify("No token to copy yet.", severity="warning")
            return
        self.copy_to_clipboard(token)
        self.push_screen(TextScreen("Copied the token to the clipboard:", token))

    def action_copy_curl(self, reveal: bool) -> None:
        if self.selected is None:
            self.notify("Select an endpoint in the API tab first.", severity="warning")
            return
        self.save_params()
        call = ApiCall(
            self.session.profile.api_base_url or "",
            self.selected,
            dict(self.param_values[self.selected.path]),
        )
        text = call.to_curl(self.session.token, reveal=reveal)
        self.copy_to_clipboard(text)
        note = "token revealed" if reveal else "token masked; U copies it with the token"
        self.push_screen(TextScreen(f"Copied as curl ({note}):", text))

    def action_grants(self) -> None:
        from m2m_tui.grants_model import GrantsModel
        from m2m_tui.tui.grants import GrantsScreen

        self.push_screen(GrantsScreen(GrantsModel(self.session)), self.after_grants)

    def after_grants(self, _: object = None) -> None:
        if self.session.token_outcome is not None:
            self.show_token(self.session.token_outcome)
        self.refresh_predictions()

    def on_token_tested(self, message) -> None:
        self.refresh_predictions()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if binding.action in ("quit", "cancel"):
                continue
            yield SystemCommand(
                binding.description,
                f"key {binding.key}",
                lambda a=binding.action: self.run_action(a),
            )
