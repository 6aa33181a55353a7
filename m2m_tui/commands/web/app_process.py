"""Every browser tab's app process ends: when its tab closes, at any moment, and when
`m2m-tui web` stops.

textual-serve (1.1) asks the app to quit over its stdin and then waits for it without
end. An app still starting when its tab closed (a headless screenshot is enough) never
read the request, so the wait never ended, `web` could not stop it, and the process,
started through `/bin/sh -c`, outlived `web` re-parented to init. Here each app runs
without a shell, in a session of its own, and is ended the way a service manager ends
one: asked to quit, then SIGTERM to its process group, then SIGKILL."""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
from asyncio.subprocess import PIPE, Process

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import log, to_int

QUIT_GRACE = 3.0  # seconds for the app to quit when asked, before it is signalled
TERM_GRACE = 2.0  # seconds after SIGTERM before SIGKILL


async def end(process: Process) -> None:
    """SIGTERM, then SIGKILL, to the process's group, until it has exited."""
    for sig, grace in ((signal.SIGTERM, TERM_GRACE), (signal.SIGKILL, None)):
        if process.returncode is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            await asyncio.wait_for(process.wait(), grace)
            return
        except TimeoutError:
            continue


class ReapedAppService(AppService):
    """textual-serve's AppService whose process always ends when it is stopped."""

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        self._process = process = await asyncio.create_subprocess_exec(
            *shlex.split(self.command),
            stdin=PIPE,
            stdout=PIPE,
            stderr=PIPE,
            env=self._build_environment(width=width, height=height),
            start_new_session=True,  # its own process group: a signal reaches it all
        )
        self._stdin = process.stdin
        return process

    async def stop(self) -> None:
        process = self._process
        try:
            await asyncio.wait_for(super().stop(), QUIT_GRACE)  # asked to quit
        except (TimeoutError, ConnectionError, RuntimeError):
            pass  # it did not listen, or its stdin is already gone
        finally:
            if process is not None:
                await end(process)


class ReapingServer:
    """The part of textual-serve's Server that starts and stops an app per socket, with
    ReapedAppService, every running one stopped when the server shuts down (mixed into
    GuardedServer, ahead of textual-serve's Server)."""

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        # textual-serve's handler, with the reaped service and the set of running ones.
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        service: ReapedAppService | None = None
        try:
            await websocket.prepare(request)
            service = ReapedAppService(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            self.running_apps.add(service)
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            if websocket.prepared:
                await websocket.close()
        except (ConnectionError, RuntimeError) as error:
            # A tab closed during the handshake or while the app started: an everyday
            # event, not a fault of ours, said in one line (never a traceback).
            log.info("a browser tab went away: %s", error)
        except Exception as error:
            log.exception(error)
        finally:
            if service is not None:
                await asyncio.shield(service.stop())
                self.running_apps.discard(service)
        if not websocket.prepared:
            # The handshake never finished (the tab went away during it): aiohttp would
            # end an unprepared WebSocketResponse with write_eof(), which raises and logs a
            # traceback. A plain answer ends the request quietly, whether or not anyone
            # is still there to read it.
            return web.Response(status=400, text="the WebSocket handshake did not finish")
        return websocket

    @property
    def running_apps(self) -> set[ReapedAppService]:
        if not hasattr(self, "_running_apps"):
            self._running_apps: set[ReapedAppService] = set()
        return self._running_apps

    async def on_shutdown(self, app: web.Application) -> None:
        services = list(self.running_apps)
        await asyncio.gather(*(s.stop() for s in services), return_exceptions=True)
