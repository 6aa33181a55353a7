"""`m2m-tui web`: the command (command.py) and the guard that keeps other web pages
from driving the app (guard.py)."""

from m2m_tui.commands.web.command import add_parser, run

__all__ = ["add_parser", "run"]
