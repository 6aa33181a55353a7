"""What every subcommand shares: exit codes, errors on stderr, the session, output."""

from __future__ import annotations

import argparse
import json
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


def load_config_arg(args: argparse.Namespace):
    """The config named by --config (or its defaults), or an exit code after saying why.
    The per-user file is written from the shipped default the first time, and that is
    said once, on stderr (and, for the TUI, in the app: `args.config_notice`)."""
    from m2m_tui.config.file import (
        FROM_USER,
        ConfigError,
        ensure_user_config,
        load_config,
        locate_config,
    )

    path, source = locate_config(args.config)
    try:
        if source == FROM_USER and ensure_user_config(path):
            args.config_notice = f"Wrote the default config to {path}: add your profiles there."
            print(f"m2m-tui: {args.config_notice}", file=sys.stderr)
        return load_config(path, source)
    except ConfigError as exc:
        return fail(str(exc), EXIT_USAGE)


def load_profile(args: argparse.Namespace):
    """(config, profile, state_dir) without the HTTP stack, or an exit code."""
    from m2m_tui.config.file import ConfigError
    from m2m_tui.config.profiles import select_profile
    from m2m_tui.config.state_dir import resolve_state_dir

    config = load_config_arg(args)
    if isinstance(config, int):
        return config
    try:
        profile = select_profile(config, getattr(args, "profile", None))
    except ConfigError as exc:
        return fail(str(exc), EXIT_USAGE)
    return config, profile, resolve_state_dir(args.state_dir)


def open_session(args: argparse.Namespace):
    """The session for the chosen profile, or an exit code after saying what is wrong."""
    loaded = load_profile(args)
    if isinstance(loaded, int):
        return loaded
    from m2m_tui.session.session import Session

    config, profile, state_dir = loaded
    return Session(config, state_dir, profile, timeout=getattr(args, "timeout", None))


def read_token(value: str | None) -> str | None:
    """TOKEN, or `-` (or nothing, with a pipe on stdin) for standard input."""
    if value == "-" or (value is None and not sys.stdin.isatty()):
        return sys.stdin.read().strip()
    return value


def is_terminal() -> bool:
    return sys.stdout.isatty()


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
