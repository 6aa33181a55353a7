"""Every process a test starts ends with the test: pass, fail, an error halfway through a
fixture's setup, a pytest-timeout, or the pytest worker itself killed.

`spawn` starts a command in a session (and so a process group) of its own, so that
stopping it reaches whatever it started in turn (nginx's worker, a server's children),
and pairs it with a watchdog: a small shell, in yet another session, that reads a pipe
only this pytest process can write to. When the test stops the process, it tells the
watchdog so; when the pytest process dies without a word (SIGKILL, `os._exit` from
pytest-timeout's thread method, an OOM kill), the pipe reads end-of-file and the
watchdog ends the group. (PR_SET_PDEATHSIG is not used: it fires when the *thread*
that started the child exits, not the process, and it reaches the child alone.)

Callers stop what they started in a `finally`, an `ExitStack` or a fixture's teardown,
and wait for readiness only once that is in place (`stopped_on_error`); `stop_all`,
called at the end of the session, ends anything a test still left running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

# The watchdog: `$0` is the group. A word on the pipe means the test stopped it itself;
# end-of-file means the pytest process is gone. TERM first, so that a server can end its
# own children (`m2m-tui web` ends its apps, which live in sessions of their own).
WATCHDOG = (
    'read -r word; [ "$word" = stopped ] && exit 0; '
    "kill -TERM -- -$0 2>/dev/null; sleep 2; kill -KILL -- -$0 2>/dev/null"
)
GRACE = 10.0  # seconds between TERM and KILL when a test stops a process

_live: dict[int, Child] = {}


class Child(subprocess.Popen):
    """A `subprocess.Popen` in a process group of its own, watched, and stoppable as a
    group: `stop()` (or leaving its `with` block) ends the group and reaps the process."""

    def __init__(self, args: Sequence[str] | str, **kwargs) -> None:
        kwargs["start_new_session"] = True
        super().__init__(args, **kwargs)
        self.pgid = self.pid  # a session leader leads its group too
        # os.pipe() is not inherited by other children: the write end is this process's.
        read_end, self._alarm = os.pipe()
        try:
            self._watchdog = subprocess.Popen(
                ["bash", "-c", WATCHDOG, str(self.pgid)],
                stdin=read_end,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C on pytest's terminal does not reach it
            )
        except BaseException:
            os.close(self._alarm)
            self._kill_group(signal.SIGKILL)
            self.wait()
            raise
        finally:
            os.close(read_end)
        self.kept_by_fixture = False
        _live[self.pid] = self

    def keep_for_fixture(self) -> Child:
        """Started by a test's body through a fixture's factory (a server kept for the
        module's next tests): the fixture's teardown stops it, not the test's end."""
        self.kept_by_fixture = True
        return self

    def stop(self, grace: float = GRACE) -> int:
        """TERM to the group, KILL to whatever is left after `grace` seconds (or at once
        to stragglers once the leader has gone); the leader reaped. Its exit status."""
        if self.pid not in _live:
            return self.wait()
        self._call_off_watchdog()
        if self.returncode is None:
            self._kill_group(signal.SIGTERM)
            self._leader_exited(grace)
            # Still a zombie (not reaped yet), the leader keeps its pid and the group's id
            # from being reused: the KILL reaches only what this process started.
            self._kill_group(signal.SIGKILL)
        elif not _pid_in_use(self.pgid):
            # Reaped already (the test waited for it), the leader's pid is free; while the
            # group has members Linux gives that number to no new process, so the group
            # is still the one it started: what is left of it (a server's workers) ends.
            self._kill_group(signal.SIGKILL)
        status = self.wait()
        del _live[self.pid]
        return status

    @contextlib.contextmanager
    def stopped_on_error(self) -> Iterator[Child]:
        """Stops the process if the block fails (a readiness wait that raised or timed
        out): the caller never got it, so no one else would."""
        try:
            yield self
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
        super().__exit__(*exc)

    def _call_off_watchdog(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._alarm, b"stopped\n")
        os.close(self._alarm)
        self._watchdog.wait()

    def _kill_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, sig)

    def _leader_exited(self, grace: float) -> bool:
        """Whether the leader exited within `grace` seconds, leaving it unreaped."""
        if self.returncode is not None:
            return True
        deadline = time.monotonic() + grace
        while True:
            try:
                found = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return True  # someone reaped it already
            if found is not None:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)


def _pid_in_use(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def spawn(args: Sequence[str] | str, **kwargs) -> Child:
    """`subprocess.Popen(args, **kwargs)`, started so that it ends with the test."""
    return Child(args, **kwargs)


def run(
    args: Sequence[str], timeout: float, input: str | None = None, **kwargs
) -> subprocess.CompletedProcess:
    """`subprocess.run(args, capture_output=True, text=True, ...)` through `spawn`: on a
    timeout, an error or a killed worker the whole group ends, not the leader alone."""
    with spawn(
        args,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    ) as child:
        try:
            out, err = child.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            child.stop(grace=0)
            out, err = child.communicate()
            raise subprocess.TimeoutExpired(args, timeout, out, err) from None
        status = child.stop()
    return subprocess.CompletedProcess(args, status, out, err)


@contextlib.contextmanager
def ended_with_block() -> Iterator[None]:
    """Whatever is spawned inside the block and still running at its end is stopped."""
    before = set(_live)
    try:
        yield
    finally:
        for pid, child in list(_live.items()):
            if pid not in before and not child.kept_by_fixture:
                child.stop()


def stop_all() -> None:
    """Ends every process a test started and left running (the session's last word)."""
    for child in list(_live.values()):
        child.stop(grace=2)


def server_processes(state_dir: Path) -> list[int]:
    """The bundled servers running on `state_dir`, by pid."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if b"api_server" in argv and str(state_dir).encode() in argv and state != "Z":
            pids.append(int(proc.name))
    return pids
