"""The app's notices, in a line of their own above the keys: never a toast over the answer
the user is reading (a toast sits on the bottom right, exactly where a response body is at
80×24). The line takes the footer's place while it shows, so the tabs lose at most the
rows a long notice needs, and it goes after a time that fits its length."""

from __future__ import annotations

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

STYLES = {"information": ("•", "bold $accent"), "warning": ("⚠", "bold yellow")}
SECONDS = {"information": 3.0, "warning": 5.0, "error": 7.0}
READING = 25.0  # characters a second: a long notice stays long enough to be read
LONGEST = 9.0


def notice_seconds(text: str, severity: str) -> float:
    """How long a notice shows: its kind's time, more for a long one, never above 9 s."""
    return min(max(SECONDS.get(severity, 3.0), len(text) / READING), LONGEST)


class NoticeLine(Static):
    DEFAULT_CSS = """
    NoticeLine {
        dock: bottom; height: auto; max-height: 3; padding: 0 1;
        background: $panel; display: none;
    }
    NoticeLine.-warning { color: $warning; }
    NoticeLine.-error { color: $error; text-style: bold; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(markup=False, **kwargs)
        self.said: list[str] = []  # every notice, in order (what a test reads)
        self.expiry: Timer | None = None

    def say(self, text: str, severity: str = "information") -> float:
        """Show `text` (plain, never markup) until the next notice or its time is up;
        returns that time, in seconds."""
        self.said.append(text)
        mark = {"warning": "⚠ ", "error": "✗ "}.get(severity, "")
        self.set_classes(f"-{severity}")
        self.update(Text(mark + text))
        self.display = True
        self.screen.query_one("Footer").display = False
        seconds = notice_seconds(text, severity)
        if self.expiry is not None:
            self.expiry.stop()
        self.expiry = self.set_timer(seconds, self.clear)
        return seconds

    def clear(self) -> None:
        self.display = False
        self.screen.query_one("Footer").display = True
        self.expiry = None
