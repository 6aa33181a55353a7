"""The TUI's workers, and how each ends when it raises.

`@job(group, failed)` is Textual's exclusive worker (`exit_on_error=False`) whose
unexpected exception, of any kind, ends the same way: a line where the user was waiting
("✗ Token request failed: ValueError: …", plain text, never markup), a notice naming the
error log, the traceback in that log (config/error_log.py), and the widget idle again.
A cancellation is no failure: Escape says what it stopped (each tab's `cancel`).

`@step(group, failed)` is the same ending for what runs at once in a key's handler.
A widget with jobs says where the line goes and what idle means (a spinner stopped, a
request no longer in flight) in `job_failed(group, line)`; without one, the notice alone
says it. Every job registers itself in `JOBS`, so a test can hold each to a scenario
that makes it fail (tests/tui/test_worker_errors.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rich.text import Text
from textual import work

from m2m_tui.config.error_log import describe, record_error
from m2m_tui.tui.messages import JobFailed

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Job:
    name: str  # "TokenTab.token_worker"
    group: str
    failed: str  # "Token request failed"


JOBS: dict[str, Job] = {}


def job(group: str, failed: str) -> Callable[[F], F]:
    """A method run as the widget's worker in `group` (exclusive: a new one cancels the
    last), ending in `failed` and the exception's type and message if it raises."""

    def decorate(method: F) -> F:
        name = method.__qualname__
        JOBS[name] = Job(name, group, failed)

        @functools.wraps(method)
        async def ending_in_words(self, *args, **kwargs):
            try:
                return await method(self, *args, **kwargs)
            except Exception as exc:  # CancelledError is not an Exception: Escape's own
                said(self, group, failed, exc)
                return None

        return work(exclusive=True, group=group, exit_on_error=False)(ending_in_words)

    return decorate


def step(group: str, failed: str) -> Callable[[F], F]:
    """A method run at once, not as a worker (an export, a profile switch), that ends the
    same way if it raises: in Textual, an exception in a key's handler closes the app."""

    def decorate(method: F) -> F:
        name = method.__qualname__
        JOBS[name] = Job(name, group, failed)

        @functools.wraps(method)
        def ending_in_words(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                said(self, group, failed, exc)
                return None

        return ending_in_words

    return decorate


def said(node, group: str, failed: str, exc: Exception) -> None:
    """What a failed job shows: the line in its place, the notice, the traceback logged."""
    line = f"{failed}: {describe(exc)}"
    log = _logged(node.app, failed, exc)
    try:
        hook = getattr(node, "job_failed", None)
        if hook is not None:
            hook(group, Text(f"✗ {line}", style="bold red"))
    except Exception:  # noqa: BLE001 - a widget gone (the app closing): the notice says it
        pass
    where = f" (traceback in {log})" if log else ""
    node.app.notify(line + where, severity="error", markup=False)
    node.app.post_message(JobFailed(line, group))


def _logged(app, failed: str, exc: Exception) -> Path | None:
    """The traceback in the state folder (the session's, else the one it will open in)."""
    session = getattr(app, "session", None)
    if session is None:
        loader = getattr(app, "loader", None)
        if loader is None:
            return None
        return record_error(loader.state_dir, failed, exc, (loader.profile.client_secret,))
    hide = (session.token, session.profile.client_secret, session.tokens.prompted_secret)
    return record_error(session.state_dir, failed, exc, hide)
