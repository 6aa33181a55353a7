"""`m2m-tui web`: the app in a browser, served by textual-serve (Textualize's own server
for Textual apps), for a projector or a shared screen. Only the URL it prints (with its
per-launch token) opens the app: guard.py says why and how."""

from __future__ import annotations

import argparse
import shlex
import socket
import sys

from m2m_tui.commands.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail, load_config_arg


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
            "  m2m-tui web                      http://127.0.0.1:WEB_PORT/?token=…\n"
            "  m2m-tui web -- demo              the guided demo, for a projector\n"
            "  m2m-tui web -- --profile auth0   the app on another profile\n"
            "  m2m-tui web --host 0.0.0.0       beyond loopback (warns: read the warning)\n"
            "\n"
            "security: the page and its socket need the per-launch token in the printed URL\n"
            "(then an HttpOnly, SameSite=Strict cookie); the socket accepts only the page's\n"
            "own Origin, and every request a Host this server was started for (127.0.0.1,\n"
            "localhost, --host, --allow-host), so no other web page can drive the app."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        help="default: web_port in the [server] table of the config in use",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another name the page may be opened by (repeatable); the first is the one "
        "printed when --host is a wildcard such as 0.0.0.0",
    )
    parser.add_argument(
        "--no-token",
        action="store_true",
        help="no per-launch token (loopback only; for a kiosk or projector machine where "
        "nobody else can reach the port)",
    )
    parser.add_argument("app_args", nargs=argparse.REMAINDER, help="-- then the app's arguments")


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
    if args.port is None:
        config = load_config_arg(args)  # where the bundled servers' ports are set, all three
        if isinstance(config, int):
            return config
        args.port = config.server.web_port
    if not 0 < args.port < 65536:
        return fail(f"--port {args.port} is not a TCP port", EXIT_USAGE)
    try:
        from m2m_tui.commands.web.guard import (
            WILDCARDS,
            Guard,
            GuardedServer,
            is_loopback,
            new_token,
        )
    except ImportError:
        return fail("textual-serve is not installed (pip install textual-serve)", EXIT_FAILED)
    loopback = is_loopback(args.host)
    if args.no_token and not loopback:
        return fail(
            f"--no-token works only on loopback: on {args.host} the token is what keeps "
            "everyone who can reach this machine out",
            EXIT_USAGE,
        )
    if not loopback:
        print(
            f"WARNING: serving on {args.host}, beyond loopback: anyone who can reach this "
            "machine and holds the printed URL gets the app, its profiles and their tokens.",
            file=sys.stderr,
        )
    if args.no_token:
        print(
            "WARNING: --no-token: any program or user on this machine can open the app at "
            "the printed URL (other web pages still cannot: Host and Origin are checked).",
            file=sys.stderr,
        )
    token = None if args.no_token else new_token()
    name = args.host
    if name in WILDCARDS:
        name = args.allow_host[0] if args.allow_host else socket.gethostname()
    name = f"[{name}]" if ":" in name else name
    guard = Guard.for_bind(args.host, args.port, token, (*args.allow_host, name))
    url = f"http://{name}:{args.port}/" + (f"?token={token}" if token else "")
    server = GuardedServer(
        app_command(args),
        host=args.host,
        port=args.port,
        title="m2m-tui",
        public_url=f"http://{name}:{args.port}",
        guard=guard,
        announce=f"m2m-tui web: open {url}\n(Ctrl+C stops; the URL works until then)",
    )
    try:
        server.serve()
    except OSError as exc:
        return fail(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}", EXIT_FAILED)
    return EXIT_OK
