"""What every subcommand shares: exit codes, errors on stderr, the session, output."""

from __future__ import annotations

import argparse
import json
import os
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NETWORK = 0, 1, 2, 3
NETWORK_ERRORS = ("network", "timeout", "tls", "not_json", "server_error", "redirect")


def fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"m2m-tui: error: {message}", file=sys.stderr)
    return code


def note(args: argparse.Namespace, message: str) -> None:
    """Progress for people, on stderr, silenced by --quiet."""
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)


def open_session(args: argparse.Namespace):
    """The session for the chosen profile, or an exit code after saying what is wrong."""
    from m2m_tui.config import ConfigError, load_config, resolve_config_path
    from m2m_tui.paths import resolve_state_dir
    from m2m_tui.session import Session

    try:
        config = load_config(resolve_config_path(args.config))
        return Session.open(
            config, resolve_state_dir(args.state_dir), getattr(args, "profile", None)
        )
    except ConfigError as exc:
        return fail(str(exc), EXIT_USAGE)


def load_profile(args: argparse.Namespace):
    """(config, profile, state_dir) without the HTTP stack, or an exit code."""
    from m2m_tui.config import ConfigError, load_config, resolve_config_path
    from m2m_tui.paths import resolve_state_dir
    from m2m_tui.profiles import select_profile

    try:
        config = load_config(resolve_config_path(args.config))
        return (
            config,
            select_profile(config, getattr(args, "profile", None)),
            resolve_state_dir(args.state_dir),
        )
    except ConfigError as exc:
        return fail(str(exc), EXIT_USAGE)


def read_token(value: str | None) -> str | None:
    """TOKEN, or `-` (or nothing, with a pipe on stdin) for standard input."""
    if value == "-" or (value is None and not sys.stdin.isatty()):
        return sys.stdin.read().strip()
    return value


def is_terminal() -> bool:
    return sys.stdout.isatty()


def console():
    """A rich console for people; rich itself honours NO_COLOR."""
    from rich.console import Console

    return Console()


def print_json(value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def profile_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="profile to use (default: default_profile)",
    )


def quiet_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print nothing but the result",
    )


def no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))
