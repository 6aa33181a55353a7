"""DPoP proof signatures checked in a helper process, beside the API's event loop.

Every DPoP call carries a new proof, so its signature must be verified every time: 16 µs
for RS256 and 44 µs for ES256 here, close to a whole Bearer request (about 50 µs). On
the event loop that halves the API's throughput. A thread does not help: each
verification hands the GIL back and forth, and the loop waits for it (bench/README.md).
A process has its own interpreter, so the loop only sends the proof down a pipe and
reads one byte back, and the signature is checked on another core.

The helper starts on the first DPoP call. Until it is up, and if it exits or stops
answering, proofs are verified on the loop as before, so no call waits for it or is lost
with it. `[server.api] dpop_helper = false` keeps every check on the loop.

Frames, parent to helper: request id (u32), length (u32), the compact proof (ASCII).
Helper to parent: request id (u32), 1 if the signature verified else 0 (u8).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import struct
import sys
from pathlib import Path

from oauth_primitives.rules.proof_table import ProofPresented

from ..dpop import signature_valid

log = logging.getLogger("api_server.api")
REQUEST = struct.Struct("<II")
ANSWER = struct.Struct("<IB")
STUCK_AFTER = 2.0  # seconds without an answer before the helper is given up
# ...unless it is runnable: on a busy machine a helper waits for a core like any other
# process, and giving it up then would move every proof back onto the loop for good.
# A stopped (SIGSTOP, a debugger) or blocked helper is not runnable. Past this, it is
# given up runnable or not.
BUSY_PATIENCE = 30.0


def runnable(pid: int) -> bool | None:
    """Whether the process is running or waiting for a core (Linux's /proc state R);
    None where /proc cannot tell (another system, a process gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(") ", 1)[1].startswith("R")
    except (OSError, IndexError):
        return None


class ProofHelper:
    """The API's side: send proofs, resolve each call's future with the helper's answer."""

    def __init__(self, enabled: bool = True) -> None:
        self._transport: asyncio.SubprocessTransport | None = None
        self._stdin: asyncio.WriteTransport | None = None
        self._starting: asyncio.Task | None = None
        self._gave_up = not enabled
        self._pending: dict[int, tuple[asyncio.Future, ProofPresented]] = {}
        self._outgoing: list[bytes] = []
        self._next_id = 0
        self._received = b""
        self._waiting_since = 0.0  # when the helper last answered, or was first asked
        self._watching = False

    @property
    def running(self) -> bool:
        return self._stdin is not None

    async def verify(self, parsed: ProofPresented) -> bool:
        """§4.3 item 7 for `parsed`, in the helper when it is up."""
        stdin = self._stdin
        if stdin is None:
            if self._starting is None and not self._gave_up:
                self._starting = asyncio.get_running_loop().create_task(self._start())
            return parsed.verify()
        loop = asyncio.get_running_loop()
        self._next_id = request_id = (self._next_id + 1) & 0xFFFFFFFF
        future = loop.create_future()
        if not self._pending:
            self._waiting_since = loop.time()
            if not self._watching:
                self._watching = True
                loop.call_later(STUCK_AFTER / 2, self._watch)
        self._pending[request_id] = (future, parsed)
        data = parsed.compact.encode("ascii", "replace")
        if not self._outgoing:
            # One write for all the proofs that arrive in this turn of the loop.
            loop.call_soon(self._flush)
        self._outgoing.append(REQUEST.pack(request_id, len(data)) + data)
        return await future

    def _flush(self) -> None:
        outgoing, self._outgoing = self._outgoing, []
        if self._stdin is not None and outgoing:
            self._stdin.write(b"".join(outgoing))

    def _watch(self) -> None:
        """A helper that stops answering (stopped by a debugger, blocked) must not hold
        calls: after STUCK_AFTER seconds of silence it is dropped and its proofs are
        verified here; a runnable one is only waiting for a core, and is given up to
        BUSY_PATIENCE. One timer for all calls, not one per call."""
        self._watching = False
        if not self._pending or self._transport is None:
            return
        loop = asyncio.get_running_loop()
        silent = loop.time() - self._waiting_since
        # /proc is read only once the helper is late, not on every tick of the watch.
        late = silent > STUCK_AFTER
        if late and (silent > BUSY_PATIENCE or not runnable(self._transport.get_pid())):
            log.warning("the proof helper stopped answering; proofs are checked on the loop")
            self._transport.kill()
            self.stopped()
        else:
            self._watching = True
            loop.call_later(STUCK_AFTER / 2, self._watch)

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        # The child imports this package from where this process found it.
        root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
        try:
            transport, _ = await loop.subprocess_exec(
                lambda: _HelperProtocol(self),
                sys.executable,
                "-m",
                "api_server.resource.proof_helper",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=None,
                env={**os.environ, "PYTHONPATH": path},
            )
        except (OSError, RuntimeError, NotImplementedError) as exc:
            self._gave_up = True
            log.warning("proofs are checked on the event loop: no helper process (%s)", exc)
            return
        if self._gave_up:  # closed, or it exited, while it started
            transport.close()
            return
        self._transport = transport
        self._stdin = transport.get_pipe_transport(0)

    def answered(self, data: bytes) -> None:
        data = self._received + data
        end = len(data) - len(data) % ANSWER.size
        for request_id, ok in ANSWER.iter_unpack(data[:end]):
            entry = self._pending.pop(request_id, None)
            if entry is not None and not entry[0].done():
                entry[0].set_result(bool(ok))
        self._received = data[end:]
        if self._pending:
            self._waiting_since = asyncio.get_running_loop().time()

    def stopped(self) -> None:
        """The helper went away: what it had not answered is verified here instead."""
        if self._stdin is not None and not self._gave_up:
            log.warning("the proof helper stopped; proofs are checked on the event loop")
        self._gave_up = True
        self._stdin = None
        self._outgoing = []
        pending, self._pending = self._pending, {}
        for future, parsed in pending.values():
            if not future.done():
                future.set_result(parsed.verify())

    async def close(self) -> None:
        """Stop the helper: end of input, then a kill if it has not exited in 2 s."""
        self._gave_up = True
        starting = self._starting
        if starting is not None and not starting.done():
            starting.cancel()
        transport, self._transport = self._transport, None
        if transport is not None:
            try:
                stdin = transport.get_pipe_transport(0)
                if stdin is not None:
                    stdin.close()  # end of input: the helper exits by itself
                for _ in range(200):
                    if transport.get_returncode() is not None:
                        break
                    await asyncio.sleep(0.01)
                transport.close()  # kills it if it has not exited
            except RuntimeError:  # its event loop is gone: end it without one
                with contextlib.suppress(ProcessLookupError):
                    os.kill(transport.get_pid(), signal.SIGKILL)
        self.stopped()


class _HelperProtocol(asyncio.SubprocessProtocol):
    def __init__(self, helper: ProofHelper) -> None:
        self.helper = helper

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        if fd == 1:
            self.helper.answered(data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd in (0, 1):
            self.helper.stopped()

    def process_exited(self) -> None:
        self.helper.stopped()


def verified(proof: bytes) -> bool:
    """The helper's check of one compact proof. The API has already checked the rest of
    it, so any failure here is simply "not verified"."""
    try:
        return signature_valid(proof.decode("ascii"))
    except ValueError:
        return False


def serve(stdin: int = 0, stdout: int = 1) -> None:
    """The helper's loop. Each answer is written as soon as it is known, not with the
    rest of its batch, so the API sends that response while the next proof is checked:
    the two processes work side by side instead of in turns."""
    buffer = b""
    while True:
        chunk = os.read(stdin, 1 << 16)
        if not chunk:
            return
        buffer += chunk
        start = 0
        while len(buffer) - start >= REQUEST.size:
            request_id, length = REQUEST.unpack_from(buffer, start)
            end = start + REQUEST.size + length
            if len(buffer) < end:
                break
            ok = verified(buffer[start + REQUEST.size : end])
            os.write(stdout, ANSWER.pack(request_id, ok))  # 5 bytes: written whole
            start = end
        buffer = buffer[start:]


if __name__ == "__main__":
    try:
        serve()
    except (KeyboardInterrupt, BrokenPipeError):
        pass
