"""How the app uses the bundled server (a mixin of M2MApp, which holds the state it
reads): at start-up it starts the server, or joins the one another m2m-tui on this state
folder started, or checks that whatever answers at the issuer is an authorization
server; on quitting it lets the server go (the last app out stops it)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from m2m_tui.tui.jobs import job

if TYPE_CHECKING:
    from m2m_tui.bundled_servers import SharedServer


class BundledServerUse:
    @job("startup", "Starting up failed")
    async def start_up(self) -> None:
        """Start the bundled server when the profile needs it (or join the one another app
        on this state folder started), then load the API's endpoints."""
        try:
            await self.settle_server()
        finally:
            self.server_settled.set()
        await self.api_tab.load_endpoints()

    async def settle_server(self) -> None:
        """The bundled server started or joined when the profile needs it; else whatever
        answers at its issuer checked to be an authorization server."""
        from m2m_tui.bundled_servers import (
            StartFailed,
            issuer_complaint,
            listening,
            points_at_bundled,
            serve_tls_advice,
        )

        session = self.session
        if self.autostart and (advice := serve_tls_advice(session.profile, session.config)):
            # bundled = "https": the app starts servers on plain HTTP only, so it starts
            # none here; when nothing listens yet, it says what to run.
            if not listening("127.0.0.1", session.config.server.authority_port):
                self.token_tab.show_profile(advice, "bold red")
                self.notify(advice, severity="warning")
            return
        if self.autostart and points_at_bundled(session.profile, session.config):
            port = session.config.server.authority_port
            server = None
            if self.server is None:
                if not listening("127.0.0.1", port):
                    self.token_tab.show_profile("Starting the bundled server…")
                try:
                    server = await asyncio.to_thread(self.join_server)
                except StartFailed as exc:
                    self.token_tab.show_profile()
                    self.notify(str(exc), severity="error")
                else:
                    if server is not None:
                        self.token_tab.show_profile(self.server_note(server))
            if self.server is None and server is None and listening("127.0.0.1", port):
                # Something else listens there: make sure it is an authorization server
                # before the user meets an HTML page in the token exchange.
                stranger = await asyncio.to_thread(
                    issuer_complaint,
                    session.profile.issuer,
                    2.0,
                    session.state_dir,
                    session.profile.bundled is True,
                )
                if stranger:
                    self.token_tab.show_profile(stranger, "bold red")
                    self.notify(stranger, severity="error")

    def join_server(self) -> SharedServer | None:
        """In a thread: the shared bundled server, held by this app unless it quit in the
        meantime (then given up at once: a server started for nobody would run on)."""
        from m2m_tui.bundled_servers import join_bundled

        # Under the state folder's lock: a second app waits here for the first one's
        # server, then uses it.
        server = join_bundled(self.session.config, self.session.state_dir)
        with self.server_lock:
            if server is not None and self.quitting:
                server.stop()
                return None
            self.server = server
        return server

    @staticmethod
    def server_note(server: SharedServer) -> str:
        if server.started:
            return (
                f"Started the bundled server in the background (log: {server.log_path}); it "
                "stops when the last m2m-tui using it quits."
            )
        return (
            f"Using the bundled server another m2m-tui started (log: {server.log_path}); it "
            "stops when the last m2m-tui using it quits."
        )

    def on_unmount(self) -> None:
        with self.server_lock:
            self.quitting = True  # a start-up still under way gives its server up
            server, self.server = self.server, None
        if server is not None:
            server.stop()  # the last app out stops it
