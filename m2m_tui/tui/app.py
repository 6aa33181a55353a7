"""The m2m-tui Textual app: it composes the tabs, routes the global keys and the tabs'
messages, and holds the Session. What each tab shows and does lives in its own module."""

from __future__ import annotations

import asyncio
import os
import threading
from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.widgets import Footer, Header, Input, TabbedContent, TabPane

from m2m_tui.tui.app_loading import FirstFrameLoading
from m2m_tui.tui.app_palette import PaletteCommands
from m2m_tui.tui.app_server import BundledServerUse
from m2m_tui.tui.exchange_key import ExchangeRouting
from m2m_tui.tui.first_frame import FirstFrame
from m2m_tui.tui.jobs import job, step
from m2m_tui.tui.messages import (
    ApiLoaded,
    CallAnswered,
    FixApplied,
    Introspected,
    JobFailed,
    LabDone,
    ShowTab,
    TokenReceived,
    TokenWanted,
)
from m2m_tui.tui.notice_line import NoticeLine

# Only what the first frame draws is imported here: the tabs, the session and the
# servers' helpers load once it is on the screen (after_first_paint).
if TYPE_CHECKING:
    from m2m_tui.bundled_servers import SharedServer
    from m2m_tui.session.loader import SessionLoader
    from m2m_tui.session.session import Session
    from m2m_tui.tui.api_tab import ApiTab
    from m2m_tui.tui.history_tab import HistoryTab
    from m2m_tui.tui.inspector_tab import InspectorTab
    from m2m_tui.tui.preview_tab import PreviewTab
    from m2m_tui.tui.token_tab import TokenTab
    from m2m_tui.tui.why_tab import WhyTab


class M2MApp(FirstFrameLoading, BundledServerUse, PaletteCommands, ExchangeRouting, App):
    TITLE = "m2m-tui"
    # The footer shows what matters at any width (80 columns included); ^p (the palette)
    # and ? (help) list the rest.
    BINDINGS = [
        Binding("t", "token", "Token"),
        Binding("n", "new_token", "New token", show=False),
        Binding("c", "call", "Call"),
        Binding("r", "edit_request", "Edit the request (method, headers, body)", show=False),
        Binding("i", "inspect", "Inspect", show=False),
        Binding("a", "show_tab('api')", "API", show=False),
        Binding("h", "show_tab('history')", "History", show=False),
        Binding("d", "diagnose", "Why?"),
        Binding("l", "tamper_lab", "Tamper lab", show=False),
        Binding("e", "export_history", "Export history", show=False),
        Binding("p", "profile", "Profile", show=False),
        Binding("g", "grants", "Grants"),
        Binding("P", "preview", "Preview the next token", show=False),
        Binding("f", "apply_fix", "Apply the fix in Why?", show=False),
        Binding("y", "copy_token", "Copy token", show=False),
        Binding("v", "revoke", "Revoke the token (RFC 7009)", show=False),
        Binding("u", "copy_curl(False)", "Copy curl", show=False),
        Binding("U", "copy_curl(True)", "Copy curl (token)", show=False),
        Binding("escape", "cancel", "Cancel the request in flight", show=False),
        Binding("f1,question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]
    WHY_BADGE = "Why? ●"

    def __init__(
        self,
        session: Session | SessionLoader,
        autostart: bool = True,
        notice: str | None = None,
    ) -> None:
        super().__init__()
        # A SessionLoader is opened after the first frame; a Session (tests, the demo)
        # is used as it is.
        self.loader = session if hasattr(session, "load") else None
        if self.loader is None:
            self.session = session
        self.ready = False  # the tabs are mounted and the session open
        self.held_actions: list[str] = []  # keys pressed before then (app_loading.py)
        self.loaded = asyncio.Event()  # set then (or when loading them failed)
        self.notice = notice  # said once at start (the per-user config was just written)
        self.autostart = autostart
        self.server: SharedServer | None = None  # the bundled server, while this app uses it
        # Set once start-up has started the bundled server, found it, or given up: a token
        # request waits for it rather than meet a port that is not listening yet.
        self.server_settled = asyncio.Event()
        self.server_lock = threading.Lock()  # the start-up's thread and quitting
        self.quitting = False
        self.call_after_token = False  # `c` came before any token: call once it is here
        if not autostart:
            self.server_settled.set()

    def compose(self) -> ComposeResult:
        # Textual's default icon (⭘, U+2B58) is in few fonts (not DejaVu Sans Mono, nor
        # the Roboto Mono the browser mode serves): a box, offline. ◯ is in both.
        yield Header(icon="◯")
        # A session given open (the demo, tests) has its modules loaded already: its tabs
        # come at once. One still to open (the command) draws the first frame first.
        yield self.tabs() if self.loader is None else FirstFrame(self.loader.profile)
        yield NoticeLine()
        yield Footer()

    def tabs(self) -> TabbedContent:
        from m2m_tui.tui.tabs import TABS, AppTabs

        tabs = AppTabs(initial="token", id="tabs")
        for title, tab_id, tab in TABS:
            # What `with TabbedContent():` does in compose.
            tabs.compose_add_child(TabPane(title, tab(self.session, id=f"{tab_id}-tab"), id=tab_id))
        return tabs

    async def mount_tabs(self) -> None:
        """The tabs, in the first frame's place."""
        await self.mount(self.tabs(), before=self.query_one(FirstFrame))
        await self.query_one(FirstFrame).remove()

    # The tabs, by kind: the app composed them, so it may speak to them.
    @property
    def token_tab(self) -> TokenTab:
        return self.query_one("#token-tab")

    @property
    def inspector(self) -> InspectorTab:
        return self.query_one("#inspector-tab")

    @property
    def preview_tab(self) -> PreviewTab:
        return self.query_one("#preview-tab")

    @property
    def api_tab(self) -> ApiTab:
        return self.query_one("#api-tab")

    @property
    def why(self) -> WhyTab:
        return self.query_one("#why-tab")

    @property
    def history(self) -> HistoryTab:
        return self.query_one("#history-tab")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity="information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice in the notice line, as plain text: what they say comes from the
        config, servers and the user, and `authority_port in [server]` must not lose
        `[server]` to Rich markup. Over a modal screen (Grants, help) the line is hidden,
        so a short toast says it there. `timeout` is not taken: a notice's length and
        kind decide how long it shows (tui/notice_line.py)."""
        line = self.screen_stack[0].query_one(NoticeLine)
        seconds = line.say(message, severity)
        if self.screen is not self.screen_stack[0]:
            super().notify(message, title=title, severity=severity, timeout=seconds, markup=False)

    def action_help_quit(self) -> None:
        """ctrl+c does not quit (it copies in a text box): say which key does. Textual's
        own handler words this in Rich markup, which the plain notice line shows as typed
        ("Press [b]ctrl+q[/b]")."""
        bound = self.active_bindings.items()
        quits = [k for k, b in bound if b.binding.action in ("quit", "app.quit")]
        keys = sorted(quits, key=len)  # q before ctrl+q
        self.notify(f"Press {' or '.join(keys) or 'ctrl+q'} to quit the app.")

    def clear_notifications(self) -> None:
        super().clear_notifications()
        self.screen_stack[0].query_one(NoticeLine).clear()

    def on_mount(self) -> None:
        # In a browser (m2m-tui web), the server that started this app is its parent: if
        # it is gone (killed, and this process re-parented), nobody will ever see or stop
        # this app again, so it ends itself.
        self.server_pid = os.getppid() if self.is_web else None
        self.show_subtitle()
        self.set_interval(1.0, self.tick)
        if self.loader is None:
            self.tabs_mounted()
        self.call_after_refresh(self.when_keys_shown, 0)
        if self.notice:
            self.notify(self.notice)

    def show_subtitle(self) -> None:
        p = self.session.profile if hasattr(self, "session") else self.loader.profile
        self.sub_title = f"{p.name} · {p.client_id} → {p.audience or p.resource or p.scope or ''}"

    def tick(self) -> None:
        """Countdowns, for the tab on screen only; and the history's new rows (a
        diagnosis or a cancelled lab adds some without a message of its own)."""
        if self.server_pid is not None and os.getppid() != self.server_pid:
            self.exit()
            return
        if not self.ready:
            return
        try:
            if self.history.behind():
                self.history.sync()
            active = self.query_one("#tabs", TabbedContent).active
            if active == "inspector":
                self.inspector.tick()
            elif active == "token":
                self.token_tab.tick()
        except NoMatches:
            pass  # the app is closing: a timer outlived the widgets it updates

    def job_failed(self, group: str, line: Text) -> None:
        """The app's own jobs: start-up and a profile switch say it under the profile,
        where "Starting the bundled server…" or "Switched to…" would be; loading the tabs
        on the first frame; revoking in the notice alone."""
        if group in ("startup", "profile"):
            self.token_tab.show_profile(line.plain, "bold red")
        elif group == "first-paint" and (first := self.query(FirstFrame)):
            first.first().update(Group(first.first().content, line))

    # --- routing the tabs' messages ------------------------------------------------------
    @on(TokenWanted)
    def token_wanted(self) -> None:
        self.call_after_token = True
        self.token_tab.request(force=False)

    @on(TokenReceived)
    def token_received(self, message: TokenReceived) -> None:
        if not self.is_running:  # an answer that came as the app closes: its tabs are going
            return
        self.token_shown(message.outcome)
        if message.outcome.sent is not None and not message.outcome.ok:  # a refusal: Why? ●
            self.why.explain_request(message.outcome, badge_only=True)
        if self.call_after_token:  # this answer is the one `c` asked for: call, or say why not
            self.call_after_token = False
            if message.outcome.ok:
                self.api_tab.call()
            else:  # the Token tab shows the refusal and its hint
                self.action_show_tab("token")
                self.notify(
                    f"No call: the token request failed ({message.outcome.error}).",
                    severity="warning",
                )

    @on(JobFailed)
    def job_failed_message(self, message: JobFailed) -> None:
        if message.group == "token":  # the token `c` waited for will not come
            self.call_after_token = False

    def token_shown(self, outcome) -> None:
        """A token on the Token tab, new or shown again: the history, the inspector, the
        predictions and Preview follow it. Never the call `c` left pending: showing the
        current token again (after the Grants screen, a fix) is no answer to it."""
        self.history.sync()
        if outcome.ok:
            self.inspector.inspect(outcome.access_token)
            self.api_tab.refresh_predictions()
            decoded = self.session.status.claims_of(outcome.access_token)
            if decoded is not None and decoded.header:
                self.preview_tab.token_arrived(decoded.payload, decoded.header, outcome.from_cache)

    @on(CallAnswered)
    def call_answered(self, message: CallAnswered) -> None:
        if not self.is_running:  # as for a token: nowhere left to show it
            return
        self.history.sync()
        if message.refused and self.session.token:
            # A refusal opens the Why? panel with the checklist for this very answer, but
            # only over the API tab that made the call: a tab the user picked stays picked.
            self.why.explain(self.session.token, message.endpoint, message.result, follow="api")

    @on(LabDone)
    def lab_done(self) -> None:
        if self.is_running:
            self.history.sync()

    @on(FixApplied)
    def fix_applied(self, message: FixApplied) -> None:
        if not message.ok:  # stay on the Why? panel, which still shows the fix to make
            self.notify(message.note, severity="warning")
            return
        self.notify(message.note)
        self.show_current_token()
        self.action_show_tab("api")

    @on(ShowTab)
    def tab_asked_for(self, message: ShowTab) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        if tabs.active == message.tab:
            return
        if message.badge_only or (
            message.only_from is not None and tabs.active != message.only_from
        ):
            if message.tab == "why":
                tabs.get_tab("why").label = self.WHY_BADGE  # news, without taking over
            return
        self.action_show_tab(message.tab)

    @on(TabbedContent.TabActivated, "#tabs")
    def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "why":
            event.tabbed_content.get_tab("why").label = "Why?"

    def show_current_token(self) -> None:
        outcome = self.session.token_outcome
        if outcome is not None:
            self.token_tab.show(outcome)
            self.token_shown(outcome)

    # --- global keys ---------------------------------------------------------------------
    def action_token(self) -> None:
        self.action_show_tab("token")
        self.token_tab.request(force=False)

    def action_preview(self) -> None:
        """P: the Preview tab. Holding a comparison (a token came after the preview) and
        shown from another tab, it shows that comparison as it is: the notice after `t`
        points here. On the Preview tab, P previews anew (the tab's own key)."""
        shown = self.query_one("#tabs", TabbedContent).active == "preview"
        self.action_show_tab("preview")
        if shown or self.preview_tab.real is None:
            self.preview_tab.refresh_preview()

    def action_new_token(self) -> None:
        self.action_show_tab("token")
        self.token_tab.request(force=True)

    def action_cancel(self) -> None:
        if isinstance(self.focused, Input):
            self.action_show_tab(self.query_one("#tabs", TabbedContent).active)
            return
        self.call_after_token = False  # a call waiting for the token is cancelled with it
        tabs = (self.token_tab, self.api_tab, self.query_one("#lab-tab"), self.why)
        stopped = [what for tab in tabs if (what := tab.cancel())]
        if stopped:
            self.notify(f"Cancelled {' and '.join(stopped)}.")

    def action_call(self) -> None:
        self.api_tab.call()

    def action_edit_request(self) -> None:
        self.api_tab.edit_request()

    def diagnosis_target(self):
        """The inspected (pasted) token, else the current one, and the selected endpoint."""
        raw = self.inspector.raw or self.session.token
        endpoint, params = self.api_tab.target()
        return raw, endpoint, params

    def missing_for_a_call(self, raw: str | None, endpoint) -> str | None:
        """What keeps `d` and `l` from running, said exactly; None when nothing does."""
        if reason := self.api_tab.no_api_reason():
            return reason
        if not raw:
            return "No token yet: press t for one, or paste one in the inspector (i)."
        if endpoint is None:
            return "Pick an endpoint in the API tab (a) first."
        return None

    def action_diagnose(self) -> None:
        outcome = self.session.token_outcome
        on_token = self.query_one("#tabs", TabbedContent).active == "token"
        refused = self.token_tab.refused_exchange or outcome  # the exchange x shows, first
        if on_token and refused is not None and not refused.ok and refused.sent is not None:
            self.why.explain_request(refused)  # Why? of the refused request the tab shows
            return
        raw, endpoint, params = self.diagnosis_target()
        if missing := self.missing_for_a_call(raw, endpoint):
            self.notify(missing, severity="warning")
            return
        self.why.diagnose(raw, endpoint, params)

    def action_tamper_lab(self) -> None:
        raw, endpoint, params = self.diagnosis_target()
        if missing := self.missing_for_a_call(raw, endpoint):
            self.notify(missing, severity="warning")
            return
        self.action_show_tab("lab")
        self.query_one("#lab-tab").run(raw, endpoint, params)

    def action_apply_fix(self) -> None:
        if self.query_one("#tabs", TabbedContent).active == "why":
            self.why.action_apply_fix()
            return
        self.notify(
            "f applies the fix the Why? tab offers: call an endpoint (c) or press d, then f there.",
            severity="warning",
        )

    def action_inspect(self) -> None:
        """The inspector, with the cursor in its paste box: what `i` is pressed for."""
        self.query_one("#tabs", TabbedContent).active = "inspector"
        self.inspector.focus_paste()

    def on_paste(self, event) -> None:
        # A token pasted anywhere on the inspector lands in its box, not on shortcuts.
        if (
            self.query_one("#tabs", TabbedContent).active == "inspector"
            and self.screen is (self.screen_stack[0])
        ):
            self.inspector.land_paste(event.text)

    def action_export_history(self) -> None:
        self.history.export()

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab
        # Focus the tab's content, not a text box, so single-key commands keep working.
        self.query_one(f"#{tab}-tab").focus_content()

    def action_profile(self) -> None:
        from m2m_tui.tui.screens import ProfileScreen

        def chosen(name: str | None) -> None:
            if name and name != self.session.profile.name:
                self.switch_profile(name)

        self.push_screen(
            ProfileScreen(list(self.session.config.profiles), self.session.profile.name), chosen
        )

    @step("profile", "Switching profiles failed")
    def switch_profile(self, name: str) -> None:
        self.call_after_token = False  # a call `c` left pending was for the other profile
        self.session.switch(name)
        self.inspector.forget()
        self.preview_tab.forget()
        self.api_tab.forget()
        self.token_tab.clear()
        self.show_subtitle()
        self.token_tab.show_profile(f"Switched to profile {name}.")
        self.start_up()

    def action_revoke(self) -> None:
        if not self.session.token:
            self.notify("No token to revoke: press t for one first.", severity="warning")
            return
        self.revoke_worker()

    @job("revoke", "Not revoked")
    async def revoke_worker(self) -> None:
        ok, said = await self.session.status.revoke_token()
        self.notify(said, severity="information" if ok else "warning")

    def action_copy_token(self) -> None:
        token = self.inspector.raw or self.session.token
        if not token:
            self.notify("No token to copy yet.", severity="warning")
            return
        from m2m_tui.transcript import masked_token
        from m2m_tui.tui.screens import TextScreen

        self.copy_to_clipboard(token)
        # Masked: the screen may be shared; the clipboard has it whole.
        self.push_screen(
            TextScreen("Copied the token to the clipboard (shown masked):", masked_token(token))
        )

    def action_copy_curl(self, reveal: bool) -> None:
        self.api_tab.copy_curl(reveal)

    def action_grants(self) -> None:
        from m2m_tui.session.grants import GrantsModel
        from m2m_tui.tui.grants import GrantsScreen

        self.push_screen(GrantsScreen(GrantsModel(self.session)), self.after_grants)

    def after_grants(self, _: object = None) -> None:
        self.show_current_token()
        self.api_tab.refresh_predictions()

    def on_token_tested(self, message) -> None:
        self.api_tab.refresh_predictions()

    @on(Introspected)
    def introspected(self) -> None:
        self.api_tab.refresh_predictions()

    @on(ApiLoaded)
    def api_loaded(self) -> None:
        if self.inspector.inspection is not None:
            self.inspector.render_inspection()  # its scopes, against what the API offers

    def action_help(self) -> None:
        from m2m_tui.tui.screens import HelpScreen

        self.push_screen(HelpScreen())
