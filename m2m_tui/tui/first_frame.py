"""What the app draws before anything else is loaded: the tab names and the profile, as
the Token tab will show them. A frame that needs only the config comes at a bare Textual
app's pace (bench/first_frame.py); the tabs, the session and the HTTP stack load after it
is on the screen, and take its place."""

from __future__ import annotations

from rich.console import Group
from rich.padding import Padding
from rich.rule import Rule
from rich.text import Text
from textual.widgets import Static

from m2m_tui.config.profile import Profile
from m2m_tui.config.profiles import overridden_by_env

TAB_TITLES = (
    ("Token", "token"),
    ("Preview", "preview"),
    ("Inspector", "inspector"),
    ("API", "api"),
    ("Why?", "why"),
    ("Lab", "lab"),
    ("History", "history"),
)


def profile_lines(
    profile: Profile, note: str = "", style: str = "cyan", exchange: bool = False
) -> Group:
    """The profile in use and the first keys: the Token tab's head, and the first frame.
    `exchange`: a token is held and another profile's client could act on it (x)."""
    lines = [
        Text.assemble(
            ("Profile ", "dim"),
            (profile.name, "bold"),
            ("  issuer ", "dim"),
            profile.issuer,
            ("  client ", "dim"),
            profile.client_id,
        )
    ]
    env = overridden_by_env()
    if env:
        lines.append(Text(f"overridden by the environment: {', '.join(env)}", style="yellow"))
    if note:
        lines.append(Text(note, style=style))
    x = ", x to exchange it" if exchange else ""  # one line at 80 columns
    lines.append(Text(f"Press t for a token, n for a new one{x}, ? for help.", style="dim"))
    return Group(*lines)


class FirstFrame(Static):
    """The tab bar's words and the Token tab's head, drawn where they will be."""

    DEFAULT_CSS = """
    FirstFrame { height: 1fr; }
    """

    def __init__(self, profile: Profile) -> None:
        bar = Text(" " + "  ".join(title for title, _ in TAB_TITLES), style="bold")
        rule = Rule(characters="━", style="dim")
        super().__init__(
            Group(bar, rule, Padding(profile_lines(profile), (0, 1))), id="first-frame"
        )
