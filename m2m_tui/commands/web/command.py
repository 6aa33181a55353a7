"""`m2m-tui web`: the app in a browser, served by textual-serve (Textualize's own server
for Textual apps), for a projector or a shared screen."""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys

from m2m_tui.commands.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "web",
        help="serve the app (or the demo) in a browser",
        description=(
            "Serve m2m-tui in a browser with textual-serve: each browser tab runs its own "
            "app. Anything after -- is passed to the app (web -- demo serves the demo)."
        ),
        epilog=(
            "examples:\n"
            "  m2m-tui web                      http://127.0.0.1:7010\n"
            "  m2m-tui web -- demo              the guided demo, for a projector\n"
            "  m2m-tui web -- --profile auth0   the app on another profile\n"
            "  m2m-tui web --host 0.0.0.0       beyond loopback (warns: read the warning)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7010, help="default 7010")
    parser.add_argument("app_args", nargs=argparse.REMAINDER, help="-- then the app's arguments")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(args: argparse.Namespace) -> str:
    """The command each browser session runs: this interpreter, this config and state."""
    app_args = list(args.app_args)
    if app_args[:1] == ["--"]:
        app_args = app_args[1:]
    parts = [sys.executable, "-m", "m2m_tui"]
    if args.config:
        parts += ["--config", args.config]
    if args.state_dir:
        parts += ["--state-dir", args.state_dir]
    return shlex.join([*parts, *app_args])


def run(args: argparse.Namespace) -> int:
    if args.app_args and args.app_args[0] != "--":
        return fail(
            f"put the app's arguments after --: web -- {' '.join(args.app_args)}", EXIT_USAGE
        )
    if not 0 < args.port < 65536:
        return fail(f"--port {args.port} is not a TCP port", EXIT_USAGE)
    if not is_loopback(args.host):
        print(
            f"WARNING: serving on {args.host}, beyond loopback: anyone who can reach this "
            "machine gets the app, its profiles and their tokens.",
            file=sys.stderr,
        )
    try:
        from textual_serve.server import Server
    except ImportError:
        return fail("textual-serve is not installed (pip install textual-serve)", EXIT_FAILED)
    host = f"[{args.host}]" if ":" in args.host else args.host
    server = Server(
        app_command(args),
        host=args.host,
        port=args.port,
        title="m2m-tui",
        public_url=f"http://{host}:{args.port}",
    )
    try:
        server.serve()
    except OSError as exc:
        return fail(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}", EXIT_FAILED)
    return EXIT_OK
