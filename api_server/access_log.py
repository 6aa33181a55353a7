"""One access line per request, as the original sample's servers printed.

It logs the method, the path (never the query string, which may carry a token),
the status and the time taken; never a header or a body.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Set by `serve` once it owns stdout: writes "HH:MM:SS name message" lines as its log
# handler would, without a LogRecord and a Formatter per request, which cost a
# tenth of the token endpoint's throughput. Unset (tests, embedding), lines go
# through `logging` as usual.
line_writer: Callable[[str, str], None] | None = None


class AccessLog:
    def __init__(self, app: ASGIApp, logger_name: str) -> None:
        self.app = app
        self.logger = logging.getLogger(logger_name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if self.logger.isEnabledFor(logging.INFO):
                ms = (time.perf_counter() - start) * 1000
                if line_writer is not None:
                    line_writer(
                        self.logger.name, f"{scope['method']} {scope['path']} {status} {ms:.1f}ms"
                    )
                else:
                    self.logger.info("%s %s %d %.1fms", scope["method"], scope["path"], status, ms)
