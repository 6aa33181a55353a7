"""Key `x` on the Token tab: the current token exchanged (RFC 8693) by another profile's
client, picked from the config's profiles; the answer shown where the token request's
is, the issued token sent to the Inspector (its `act` chain drawn), a refusal to Why?.
A mixin of TokenTab (`ExchangeKey`) and of the app (`ExchangeRouting`)."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from m2m_tui import views
from m2m_tui.oauth.token_request import TokenOutcome
from m2m_tui.tokens.act_chain import chain_sentence
from m2m_tui.tokens.decoded import NotAJwt, decode
from m2m_tui.tui.jobs import job
from m2m_tui.tui.messages import TokenExchanged


class ExchangeKey:
    BINDINGS = [Binding("x", "exchange", "Exchange the token (RFC 8693)", show=False)]

    def action_exchange(self) -> None:
        session = self.session
        names = session.exchanges.acting_profiles(session.profile.name)
        if not names:
            self.notify("No other profile to act: add one to the config.", severity="warning")
            return

        def chosen(name: str | None) -> None:
            if name:
                self.exchange(name)

        from m2m_tui.tui.screens import ProfileScreen

        title = "Exchange the token: which client acts, for which API?"
        profiles = session.config.profiles
        details = {
            n: f"{profiles[n].client_id} → {profiles[n].audience or 'no audience'}" for n in names
        }
        self.app.push_screen(ProfileScreen(names, "", title, details), chosen)

    def exchange(self, acting: str) -> None:
        self.refused_exchange = None
        self.query_one("#token-spinner").add_class("busy")
        self.query_one("#token-view", Static).update(
            Text(
                f"Exchanging the token: profile {acting}'s client acts… (Escape cancels)",
                style="dim",
            )
        )
        self.exchange_worker(acting)

    @job("exchange", "Token exchange failed")
    async def exchange_worker(self, acting: str) -> None:
        try:
            outcome = await self.session.exchanges.exchange(acting)
        finally:
            self.query_one("#token-spinner").remove_class("busy")
        self.query_one("#token-view", Static).update(exchanged_view(acting, outcome))
        if not outcome.ok and outcome.sent is not None:
            self.refused_exchange = outcome  # what d diagnoses while it is shown
        self.post_message(TokenExchanged(outcome))


def exchanged_view(acting: str, outcome: TokenOutcome) -> Group:
    parts: list = []
    if outcome.ok:
        took = f" in {outcome.exchange.duration_ms:.0f} ms" if outcome.exchange else ""
        parts.append(Text(f"✓ Token exchanged by profile {acting}{took}", style="bold green"))
        try:
            sentence = chain_sentence(decode(outcome.access_token).payload)
        except NotAJwt:
            sentence = None
        if sentence:
            parts.append(Text(f"act: {sentence}", style="cyan"))
        parts.append(
            Text(
                "The Inspector shows the exchanged token and its act chain; the session's "
                "own token is unchanged (n gets a new one).",
                style="dim",
            )
        )
    else:
        parts.append(
            Text(f"✗ Exchange refused: {outcome.error}: {outcome.description}", "bold red")
        )
        if outcome.hint:
            parts.append(Text(f"→ {outcome.hint}", style="yellow"))
        if outcome.sent is not None and outcome.exchange and outcome.exchange.status:
            parts.append(Text("The Why? tab diagnoses the refusal.", style="bold cyan"))
    if outcome.exchange is not None:
        parts.append(views.exchange_view(outcome.exchange, "Exchange (RFC 8693)"))
    return Group(*parts)


class ExchangeRouting:
    """The app's side: the history, the Inspector and Why? follow an exchange."""

    def on_token_exchanged(self, message: TokenExchanged) -> None:
        if not self.is_running:
            return
        self.history.sync()
        if message.outcome.ok:
            self.inspector.inspect(message.outcome.access_token)
        elif message.outcome.sent is not None:
            self.why.explain_request(message.outcome, badge_only=True)
