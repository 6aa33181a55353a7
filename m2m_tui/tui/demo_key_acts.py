"""The demo's acts on keys and on what binds a token (a mixin of DemoApp): the signing key
rotated and the old one revoked, a token revoked (a JWT-validating API against an
introspecting one), DPoP required, and mutual TLS at the TLS tenant."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable

from m2m_tui.demo.environment import DPOP_PROFILE, MTLS_PROFILE
from m2m_tui.demo.script import Step, StepFailed
from m2m_tui.tui.grants.signing_keys import SigningKeys
from m2m_tui.tui.history_list import HistoryList
from m2m_tui.tui.messages import TokenReceived


class KeyActs:
    async def do_rotate(self, step: Step) -> None:
        if not self.session.token:
            await self.get_token()
        screen = await self.grants_screen("keys-pane")
        keys = screen.query_one(SigningKeys)
        await self.finished(keys.rotate(), "the key rotation")
        await self.finished(keys.check_old(), "the API's answer to the old-key token")

    async def do_revoke(self, step: Step) -> None:
        screen = await self.grants_screen("keys-pane")
        keys = screen.query_one(SigningKeys)
        previous = [i for i, k in enumerate(screen.model.keys) if k.get("previous")]
        if not previous:
            raise StepFailed("no previous key to revoke: rotate first")
        keys.query_one("#keys", DataTable).move_cursor(row=previous[0])
        await self.finished(keys.revoke(), "the key's revocation")
        # check_old asks again until the API's key cache lapses
        await self.finished(keys.check_old(), "the API's answer to the old-key token")

    async def do_revoke_token(self, step: Step) -> None:
        """JWT validation against introspection: one revoked token, two APIs' answers."""
        if self.introspecting_api is None:
            raise StepFailed("no introspecting API: this demo tenant has only the JWT one")
        await self.get_token()
        ok, said = await self.session.status.revoke_token()
        if not ok:
            raise StepFailed(said)
        endpoint = await self.select(step)
        params = dict(step.params) or {"destination": "Auth0 Office"}
        base = self.session.profile.api_base_url or ""
        jwt = await self.session.call_at(base, "JWT-validating API", endpoint, params)
        asked = await self.session.call_at(
            self.introspecting_api, "introspecting API", endpoint, params
        )
        self.action_show_tab("history")
        self.history.sync()  # calls made here, not through the API tab
        self.history.query_one(HistoryList).cursor_row = len(self.session.history) - 1
        if (jwt.status, asked.status) != (200, 401):
            raise StepFailed(
                f"expected 200 from the JWT-validating API and 401 from the introspecting "
                f"one, got {jwt.status} and {asked.status}"
            )

    async def do_require_dpop(self, step: Step) -> None:
        from m2m_tui.session.grants import dpop_mode

        screen = await self.grants_screen()
        api = screen.catalog.api
        if api is None:
            raise StepFailed("the tenant has no API")
        if dpop_mode(api) != "required":
            screen.editor.toggle_dpop()
            await self.group_finished("grants", "the API's DPoP requirement")
        await asyncio.sleep(0.8)  # long enough to be seen
        await self.leave_grants()
        heard = self.heard(TokenReceived)
        self.action_new_token()
        await self.group_finished("token", "the Bearer token request")
        await self.until_heard(TokenReceived, heard, "the Bearer token request's answer")
        outcome = self.session.token_outcome
        if outcome is None or outcome.ok:
            raise StepFailed("the Bearer token request was not refused")

    async def do_use_mtls(self, step: Step) -> None:
        """Mutual TLS (RFC 8705): at the TLS tenant, the Grants screen registers Gift
        Deliveries' certificate and binds the API's tokens to it; the bound token is
        accepted with its own certificate, and the tamper lab sends it with another."""
        from m2m_tui.session.grants import dpop_mode

        if MTLS_PROFILE not in self.session.config.profiles:
            raise StepFailed(f"no mutual TLS profile ({MTLS_PROFILE}) in the demo's config")
        await self.profile_switched(MTLS_PROFILE)
        screen = await self.clients_grant()
        screen.editor.register_certificate()
        await self.group_finished("grants", "the certificate's registration")
        api = screen.catalog.api
        if api is None:
            raise StepFailed("the TLS tenant has no API")
        if dpop_mode(api, "mtls") != "required":
            screen.editor.toggle_mtls()
            await self.group_finished("grants", "the API's certificate binding")
        await asyncio.sleep(0.8)  # long enough to be seen
        await self.leave_grants()
        await self.get_token()
        await self.do_call(step)
        entry = self.session.history[-1]
        if entry.result is None or entry.result.status != 200:
            raise StepFailed("the call with the token's own certificate was not accepted")
        await self.do_lab(step)
        lab = self.query_one("#lab-tab")
        other = [r for r in lab.rows if r[0].name == "other certificate"]
        if not other or other[0][2].status != 401:
            # What came instead (an error, a timeout, a TLS close) names the cause.
            result = other[0][2] if other else None
            came = "no such row" if result is None else result.error or f"HTTP {result.status}"
            raise StepFailed(f"the token sent with another certificate was not refused ({came})")
        lab.show_last()  # the act's row is the lab's last: bring it into view

    async def do_use_dpop(self, step: Step) -> None:
        if DPOP_PROFILE in self.session.config.profiles:
            await self.profile_switched(DPOP_PROFILE)
        if not self.session.profile.dpop:
            raise StepFailed(f"no DPoP profile ({DPOP_PROFILE}) in the demo's config")
        await self.get_token()
        await self.do_call(step)
