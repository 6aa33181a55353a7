"""The `m2m-tui` command. Heavy modules are imported only by the subcommand that needs them."""

from __future__ import annotations

import argparse
import sys

from m2m_tui import __version__

EXAMPLES = """\
examples:
  m2m-tui                            open the app on the default profile
  m2m-tui --profile auth0            open it on another profile
  m2m-tui serve                      the authority on :7000 and the API on :7001
  m2m-tui serve --tls                the same over HTTPS, with a local CA
  m2m-tui serve --only api --issuer https://TENANT.auth0.com/
                                     the API alone, trusting a real Auth0 tenant
"""


def _common(parser: argparse.ArgumentParser, top: bool = False) -> None:
    # A subcommand's copy must not reset what was given before the subcommand.
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help="config file (default: $M2M_TUI_CONFIG, else config.toml)",
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        default=default,
        help="keys, tenant database, certificates (default: $M2M_TUI_STATE_DIR, else per-user)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="m2m-tui",
        description="Machine-to-machine (OAuth2 client_credentials) tokens in the terminal.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"m2m-tui {__version__}")
    _common(parser, top=True)
    parser.add_argument(
        "--profile", metavar="NAME", help="profile to open (default: default_profile)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the bundled authorization server and World Mappers API",
        description=(
            "Run the local Auth0-compatible authorization server (issuer "
            "http://127.0.0.1:7000/) and the World Mappers API (http://127.0.0.1:7001)."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(serve)
    serve.add_argument("--host", help="address to bind (default 127.0.0.1; others warn)")
    serve.add_argument("--authority-port", type=int, metavar="PORT", help="default 7000")
    serve.add_argument("--api-port", type=int, metavar="PORT", help="default 7001")
    serve.add_argument(
        "--only", choices=("authority", "api"), help="run one part as its own process"
    )
    serve.add_argument(
        "--tls", action="store_true", help="serve HTTPS with a local CA (<state-dir>/tls/ca.pem)"
    )
    serve.add_argument("--issuer", metavar="URL", help="the API's token issuer (with --only api)")
    serve.add_argument("--audience", metavar="AUD", help="the API's audience (urn:worldmappers)")
    serve.add_argument("--debug", action="store_true", help="log callers' sub and scope")

    from m2m_tui.commands import diagnose, grants

    diagnose.add_parser(commands)
    grants.add_parsers(commands)
    return parser


def fail(message: str, code: int = 1) -> int:
    print(f"m2m-tui: error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        return cmd_serve(args, parser)
    if args.command == "diagnose":
        from m2m_tui.commands import diagnose

        session = open_session(args)
        return session if isinstance(session, int) else diagnose.run(args, session)
    if args.command in ("grants", "keys"):
        from m2m_tui.commands import grants

        session = open_session(args)
        return session if isinstance(session, int) else grants.run(args, session)
    return cmd_tui(args)


def open_session(args: argparse.Namespace):
    """The session for the chosen profile, or an exit code after saying what is wrong."""
    from m2m_tui.config import ConfigError, load_config, resolve_config_path
    from m2m_tui.paths import resolve_state_dir
    from m2m_tui.session import Session

    try:
        config = load_config(resolve_config_path(args.config))
        return Session.open(config, resolve_state_dir(args.state_dir), args.profile)
    except ConfigError as exc:
        return fail(str(exc), 2)


def cmd_tui(args: argparse.Namespace) -> int:
    session = open_session(args)
    if isinstance(session, int):
        return session
    from m2m_tui.tui.app import M2MApp

    M2MApp(session).run()
    return 0


def cmd_serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from m2m_tui.config import ConfigError, load_config, resolve_config_path
    from m2m_tui.paths import resolve_state_dir

    if args.issuer and args.only != "api":
        return fail(
            "--issuer only applies with --only api (the bundled API trusts its own authority)", 2
        )
    try:
        config = load_config(resolve_config_path(args.config))
    except ConfigError as exc:
        return fail(str(exc), 2)
    issuer = args.issuer
    if issuer and not issuer.startswith(("https://", "http://")):
        issuer = f"https://{issuer}/"  # an Auth0 domain is enough
    server = config.server

    import asyncio

    from api_server.authority.store import StoreError
    from api_server.serve import ServeError, ServeOptions, configure_logging, prepare, run

    options = ServeOptions(
        state_dir=resolve_state_dir(args.state_dir),
        settings=server,
        host=args.host or server.host,
        authority_port=server.authority_port
        if args.authority_port is None
        else args.authority_port,
        api_port=server.api_port if args.api_port is None else args.api_port,
        only=args.only,
        tls=args.tls,
        issuer=issuer,
        audience=args.audience,
        debug=args.debug,
    )
    configure_logging(args.debug)
    try:
        prepared = prepare(options)
    except (ServeError, StoreError, ValueError) as exc:
        return fail(str(exc))
    except PermissionError as exc:
        return fail(f"cannot use the state directory {options.state_dir}: {exc}")

    def ready() -> None:
        for line in prepared.lines:
            print(line, file=sys.stderr if line.startswith("WARNING") else sys.stdout, flush=True)
        print(f"State: {options.state_dir}   (Ctrl-C stops)", flush=True)

    try:
        asyncio.run(run(prepared.servers, ready))
    except KeyboardInterrupt:
        pass
    return 0
