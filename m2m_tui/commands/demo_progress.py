"""What `m2m-tui demo` says while it works, on stderr: the tenant starting, then (with
--slides) a Rich progress bar, one step per slide. Piped (a CI log), a plain line per
slide instead of a bar that would only be drawn once, at the end."""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)


def shortened(caption: str, width: int = 48) -> str:
    return caption if len(caption) <= width else caption[: width - 1] + "…"


@contextmanager
def starting(console: Console, what: str):
    """A spinner while the demo's tenant starts (a few seconds that were blank)."""
    if console.is_terminal:
        with console.status(what):
            yield
    else:
        console.print(what, highlight=False, soft_wrap=True)
        yield


class SlideProgress:
    """`started(index, caption)` before a step, `finished(index)` after: the bar moves
    one step per slide."""

    def __init__(self, console: Console, total: int) -> None:
        self.console = console
        self.total = total
        self.bar: Progress | None = None
        self.task = None

    def __enter__(self) -> SlideProgress:
        if self.console.is_terminal:
            self.bar = Progress(
                SpinnerColumn(),
                BarColumn(bar_width=24),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=self.console,
            )
            self.bar.__enter__()
            self.task = self.bar.add_task("", total=self.total)
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def started(self, index: int, caption: str) -> None:
        said = f"slide {index + 1}/{self.total}: {shortened(caption)}"
        if self.bar is not None:
            self.bar.update(self.task, description=escape(said))
        else:
            self.console.print(said, highlight=False, markup=False, soft_wrap=True)

    def finished(self, index: int) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)
