"""The Token tab: the profile, the token request as sent and received, and a one-line
summary of the token that counts down."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import LoadingIndicator, Static

from m2m_tui import views
from m2m_tui.oauth.token_request import TokenOutcome
from m2m_tui.session.session import Session
from m2m_tui.tokens.decoded import DecodedToken, NotAJwt, decode
from m2m_tui.tui.exchange_key import ExchangeKey
from m2m_tui.tui.first_frame import profile_lines
from m2m_tui.tui.jobs import job
from m2m_tui.tui.messages import TokenReceived
from m2m_tui.tui.screens import SecretPrompt


class TokenTab(ExchangeKey, Vertical):
    BINDINGS = [*ExchangeKey.BINDINGS]  # listed here too: the palette reads the tab's own
    DEFAULT_CSS = """
    TokenTab #token-status { height: auto; padding: 0 1; }
    TokenTab #token-summary { height: auto; padding: 0 1; }
    TokenTab #token-spinner { height: 1; display: none; }
    TokenTab #token-spinner.busy { display: block; }
    TokenTab #token-view { padding: 0 1; }
    """

    def __init__(self, session: Session, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.decoded: DecodedToken | None = None  # the token the summary describes
        self.note: tuple[str, str] = ("", "cyan")  # the head's note, kept while x comes and goes
        self.offers_exchange = False  # whether the head's hint names x

    def compose(self) -> ComposeResult:
        yield Static(id="token-status")
        yield Static(id="token-summary")
        yield LoadingIndicator(id="token-spinner")
        with VerticalScroll(id="token-scroll"):
            yield Static(id="token-view")

    def on_mount(self) -> None:
        self.show_profile()
        self.tick()

    def focus_content(self) -> None:
        self.query_one("#token-scroll").focus()

    def show_profile(self, note: str = "", style: str = "cyan") -> None:
        self.note = (note, style)
        self.offers_exchange = self.can_exchange()
        lines = profile_lines(self.session.profile, note, style, self.offers_exchange)
        self.query_one("#token-status", Static).update(lines)

    def can_exchange(self) -> bool:
        """A token is held, and some other profile's client could act on it (x)."""
        session = self.session
        return session.token is not None and bool(
            session.exchanges.acting_profiles(session.profile.name)
        )

    # The refused exchange the view shows (x), which d diagnoses; None once the view
    # shows anything else.
    refused_exchange: TokenOutcome | None = None

    def clear(self) -> None:
        self.refused_exchange = None
        self.decoded = None
        self.tick()
        self.query_one("#token-view", Static).update("")

    # --- requesting ----------------------------------------------------------------
    def request(self, force: bool) -> None:
        if self.session.needs_prompt():

            def got(secret: str | None) -> None:
                if secret:
                    self.session.tokens.remember_secret(secret)
                    self.request(force)

            self.app.push_screen(SecretPrompt(self.session.profile.name), got)
            return
        self.refused_exchange = None
        self.query_one("#token-spinner").add_class("busy")
        self.query_one("#token-view", Static).update(
            Text(
                f"Requesting a token for {self.session.profile.client_id} from "
                f"{self.session.profile.issuer}… (Escape cancels)",
                style="dim",
            )
        )
        self.token_worker(force)

    @job("token", "Token request failed")
    async def token_worker(self, force: bool) -> None:
        settled = getattr(self.app, "server_settled", None)
        if settled is not None and not settled.is_set():
            # Sent now, the request would meet a port not listening yet: "cannot connect".
            self.query_one("#token-view", Static).update(
                Text("Waiting for the bundled server to start… (Escape cancels)", style="dim")
            )
            await settled.wait()
            self.query_one("#token-view", Static).update(
                Text(
                    f"Requesting a token for {self.session.profile.client_id} from "
                    f"{self.session.profile.issuer}… (Escape cancels)",
                    style="dim",
                )
            )
        try:
            outcome = await self.session.get_token(force=force)
        finally:
            self.query_one("#token-spinner").remove_class("busy")
        self.show(outcome)
        self.post_message(TokenReceived(outcome))

    def job_failed(self, group: str, line: Text) -> None:
        """The request ended in an error: said where "Requesting a token…" was."""
        self.query_one("#token-spinner").remove_class("busy")
        self.query_one("#token-view", Static).update(line)

    def cancel(self) -> str | None:
        """Cancel a request in flight; what was cancelled, or None."""
        running = {w.group for w in self.workers if w.is_running} & {"token", "exchange"}
        if not running:
            return None
        for group in running:
            self.workers.cancel_group(self, group)
        self.query_one("#token-spinner").remove_class("busy")
        what = "token request" if "token" in running else "token exchange"
        self.query_one("#token-view", Static).update(
            Text(f"✗ {what.capitalize()} cancelled: no token was received.", style="yellow")
        )
        return f"the {what}"

    # --- showing ---------------------------------------------------------------------
    def show(self, outcome: TokenOutcome) -> None:
        self.refused_exchange = None
        parts = []
        if outcome.ok:
            source = (
                "from the cache (press n for a new one)"
                if outcome.from_cache
                else f"new, in {outcome.exchange.duration_ms:.0f} ms"
            )
            parts.append(Text(f"✓ Token received — {source}", style="bold green"))
            if outcome.note:
                parts.append(Text(outcome.note[0].upper() + outcome.note[1:] + ".", style="yellow"))
            if outcome.hint:
                parts.append(Text(outcome.hint, style="yellow"))
        else:
            parts.append(Text(f"✗ {outcome.error}: {outcome.description}", style="bold red"))
            if outcome.note:
                parts.append(Text(outcome.note[0].upper() + outcome.note[1:] + ".", style="yellow"))
            if outcome.hint:
                parts.append(Text(f"→ {outcome.hint}", style="yellow"))
            if outcome.sent is not None and outcome.exchange and outcome.exchange.status:
                parts.append(
                    Text(
                        "Press d for Why?: what was sent, what the server answered, each "
                        "check, the cause and the fix.",
                        style="bold cyan",
                    )
                )
        if outcome.exchange is not None:
            parts.append(views.exchange_view(outcome.exchange, "Exchange"))
        self.query_one("#token-view", Static).update(Group(*parts))
        self.decoded = None
        if outcome.ok:
            try:
                self.decoded = decode(outcome.access_token)
            except NotAJwt:
                pass  # opaque: the hint above says so
        self.tick()

    def tick(self) -> None:
        """The summary's countdown; called every second while this tab shows. The head's
        hint follows the token, wherever it came from (t, the API tab, the Grants screen)."""
        if self.can_exchange() != self.offers_exchange:
            self.show_profile(*self.note)
        summary = self.query_one("#token-summary", Static)
        summary.display = self.decoded is not None
        if self.decoded is not None:
            summary.update(views.token_summary(self.decoded))
