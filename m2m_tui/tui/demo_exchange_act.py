"""The demo's act "Exchange it, don't forward it" (RFC 8693; a mixin of DemoApp): the
token Gift Deliveries called World Mappers with reaches World Mappers, which must ask
the next API (the Routes API) on its caller's behalf. Forwarded as it is, the token is
refused and Why? says why; exchanged by World Mappers' own client (the session's
exchange, as `x` and `m2m-tui exchange --as` do), it carries an `act` chain the
Inspector draws; the next API accepts it, and History links the exchange to the token
it was exchanged from.

The act shows World Mappers' side: the app switches to the acting profile (its API is
the next one). The first step after the act that is not one of its own switches back
and takes the caller's token again (from the cache), so the story goes on as before."""

from __future__ import annotations

from dataclasses import dataclass

from textual.widgets import Static

from m2m_tui.demo.script import Step, StepFailed
from m2m_tui.tokens.decoded import NotAJwt, decode
from m2m_tui.tui.exchange_key import exchanged_view
from m2m_tui.tui.history_list import HistoryList
from m2m_tui.tui.messages import TokenExchanged, TokenReceived
from oauth_primitives.token_exchange import read_chain

# The act's own actions, and a caption alone: none of them leaves the act.
IN_ACT = frozenset({"forward", "exchange", "on_behalf", "pause"})


@dataclass
class Act:
    back: str  # the profile the act started from, switched back to after it
    caller: str  # the token the API received: the subject token of the exchange
    acting: str | None = None  # the profile whose client acts (World Mappers')
    exchanged: str | None = None  # the token the exchange issued


class ExchangeAct:
    exchange_act: Act | None = None

    async def enter_act(self, acting: str | None) -> Act:
        """The act, begun: the caller's token kept, the acting profile shown."""
        act = self.exchange_act
        if act is None:
            caller = self.session.token
            if not caller:
                raise StepFailed("no token for World Mappers to receive: put a token step first")
            act = self.exchange_act = Act(self.session.profile.name, caller)
        if acting is not None and acting != act.acting:
            if acting not in self.session.config.profiles:
                known = ", ".join(self.session.config.profiles)
                raise StepFailed(f"no profile {acting} to act (the demo's config has {known})")
            act.acting = acting
            if self.session.profile.name != acting:
                await self.profile_switched(acting)
        return act

    async def leave_act(self) -> None:
        """Back to the profile before the act, with its token (the cache's)."""
        act, self.exchange_act = self.exchange_act, None
        if act is None or self.session.profile.name == act.back:
            return
        await self.profile_switched(act.back)
        heard = self.heard(TokenReceived)
        self.action_token()
        await self.group_finished("token", f"the token of the profile {act.back}")
        await self.until_heard(TokenReceived, heard, f"the token of the profile {act.back}")
        await self.group_finished("inspect", "the inspector's reading of the token")
        if self.session.token != act.caller:
            raise StepFailed(f"the profile {act.back} did not get its token back")

    async def do_forward(self, step: Step) -> None:
        """The caller's token sent unchanged to the next API, and the refusal explained."""
        act = await self.enter_act(step.acting)
        endpoint = await self.select(step)
        self.why.diagnose(act.caller, endpoint, dict(step.params))
        await self.group_finished("diagnose", "the Why? panel's diagnosis of the forwarded token")
        entry = self.session.history[-1] if self.session.history else None
        if entry is None or entry.result is None or entry.result.status is None:
            said = entry.result.error if entry and entry.result else "no call was made"
            raise StepFailed(f"the forwarded token's call failed: {said}")
        if entry.result.status < 400:
            raise StepFailed(f"the next API accepted the forwarded token ({entry.status})")

    async def do_exchange(self, step: Step) -> None:
        act = await self.enter_act(step.acting)
        assert act.acting is not None  # `as` is required
        outcome = await self.session.exchanges.exchange(act.acting, act.caller)
        self.token_tab.query_one("#token-view", Static).update(exchanged_view(act.acting, outcome))
        self.post_message(TokenExchanged(outcome))  # History, the Inspector, Why? follow
        if not outcome.ok:
            self.action_show_tab("token")
            raise StepFailed(f"the exchange was refused: {outcome.error}: {outcome.description}")
        act.exchanged = token = outcome.access_token
        await self.until(
            "the Inspector's reading of the exchanged token", lambda: self.inspector.raw == token
        )
        await self.group_finished("inspect", "the inspector's reading of the exchanged token")
        self.action_show_tab("inspector")
        try:
            actors = read_chain(decode(token).payload).actors
        except NotAJwt:
            actors = ()
        if not actors:
            raise StepFailed("the exchanged token names no actor (no act claim)")

    async def do_on_behalf(self, step: Step) -> None:
        """The next API called with the exchanged token, as World Mappers holds it."""
        act = self.exchange_act
        if act is None or act.exchanged is None:
            raise StepFailed("no exchanged token: put an exchange step first")
        self.session.tokens.hold(act.exchanged)  # World Mappers' token for this call
        await self.do_call(step)
        entry = self.session.history[-1]
        if entry.result is None or entry.result.status != 200:
            raise StepFailed(f"the next API refused the exchanged token ({entry.status})")
        self.action_show_tab("history")
        self.history.sync()
        # The exchange highlighted: its row and its detail name the token it was exchanged
        # from ("exchanged from #N"); the call's 200 is the row under it.
        exchanged = self.session.history.issued(act.exchanged)
        table = self.history.query_one(HistoryList)
        table.cursor_row = len(self.session.history) - 1 if exchanged is None else exchanged
