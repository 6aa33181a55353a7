"""`m2m-tui demo`: its arguments. The app itself is opened by cli.py (the commands never
import the TUI)."""

from __future__ import annotations

import argparse

from m2m_tui.demo.script import ACTIONS


def add_parser(commands) -> None:
    vocabulary = "\n".join(
        f"  {name:<13} {what}"
        + (
            f" ({', '.join(f + ('' if req else '?') for f, req in fields.items())})"
            if fields
            else ""
        )
        for name, (what, fields) in ACTIONS.items()
    )
    parser = commands.add_parser(
        "demo",
        help="a guided demo of scope grants on a tenant of its own",
        description=(
            "The original sample's story, step by step, in the real app views, on a fresh "
            "tenant of its own (its own servers on free ports, a temporary state directory: "
            "your tenant, token cache and history are never touched). space or → next step, "
            "← previous caption (actions are not undone), r restart, q quit."
        ),
        epilog=(
            "examples:\n"
            "  m2m-tui demo\n"
            "  m2m-tui demo --script my-demo.toml\n"
            "  m2m-tui demo --slides slides/       one SVG per step, no terminal needed\n\n"
            "a script is TOML: an optional title, then [[step]] tables with a caption and an\n"
            "action (fields marked ? are optional):\n" + vocabulary
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--script", metavar="FILE", help="your own walkthrough (TOML)")
    parser.add_argument(
        "--slides", metavar="DIR", help="run the whole walkthrough and write DIR/step-NN.svg"
    )
