"""The `m2m-tui` command. Building the parser imports nothing heavy: each subcommand
loads what it needs when it runs, so `decode`, `--help` and `--version` start fast."""

from __future__ import annotations

import argparse
import re

from m2m_tui import __version__
from m2m_tui.commands import (
    actions,
    call,
    certs,
    decode,
    demo,
    diagnose,
    exchange,
    grants,
    organizations,
    profiles,
    quotas,
    serve,
    token,
    token_status,
    web,
)

EXAMPLES = """\
examples:
  m2m-tui                            open the app on the default profile
  m2m-tui --profile auth0            open it on another profile
  m2m-tui serve                      run the bundled authority and API ([server]'s ports)
  m2m-tui token                      print the token (cached while valid)
  m2m-tui token | m2m-tui decode     read what it says
  m2m-tui call /api/directions --param destination='Auth0 Office'
  m2m-tui exchange --as world-mappers   the token exchanged for another API (RFC 8693)
  m2m-tui diagnose '/api/location/geocode?address=Paris'
  m2m-tui grants add giftdeliveries urn:worldmappers geocode:location
  m2m-tui organizations authorize acme giftdeliveries urn:worldmappers
  m2m-tui quota set giftdeliveries --per-hour 5   tokens per hour (429 beyond)
  m2m-tui actions deploy tier.js --bind   a credentials-exchange Action
  m2m-tui preview                    the next token, and the API's verdict on it
  m2m-tui introspect                 is the token active? (RFC 7662)
  m2m-tui revoke                     revoke the cached token (RFC 7009)

config: --config PATH, else $M2M_TUI_CONFIG, else the per-user file
  (~/.config/m2m-tui/config.toml on Linux, written from the shipped default on first
  use); `m2m-tui config path` prints the one in use and the state folder

exit status, the same in every command: 0 success, 1 refused or failed (any 4xx),
2 usage or configuration, 3 network or server error
"""


def _common(parser: argparse.ArgumentParser, top: bool = False, network: bool = True) -> None:
    # A subcommand's copy must not reset what was given before the subcommand.
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help="config file (default: $M2M_TUI_CONFIG, else the per-user config; see `config path`)",
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        default=default,
        help="keys, tenant database, token cache (default: $M2M_TUI_STATE_DIR, else per-user)",
    )
    if not network:
        return
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_seconds,
        default=default,
        help="give up on any one request after this long (default: the profile's, else 10)",
    )


OFFLINE = {
    "serve",
    "decode",
    "profiles",
    "config",
    "import-sample",
    "demo",
    "web",
}  # no --timeout there


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds in (0, 600]")
    return value


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
        "--profile", metavar="NAME", help="profile to use (default: default_profile)"
    )
    parser.add_argument(
        "--organization",
        metavar="ORG",
        help="get tokens for this organization (id or name; Auth0's Organizations for M2M), "
        "instead of the profile's `organization`",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only results")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = (
        token,
        token_status,
        decode,
        call,
        exchange,
        diagnose,
        grants,
        organizations,
        quotas,
        actions,
        certs,
        profiles,
    )
    for module in (*modules, serve, demo, web):
        adder = getattr(module, "add_parsers", None) or module.add_parser
        adder(commands)
    for name, sub in commands.choices.items():
        _common(sub, network=name not in OFFLINE)
    return parser


RUNNERS = {
    "serve": serve.run,
    "token": token.run,
    "decode": decode.run_decode,
    "verify": decode.run_verify,
    "call": call.run,
    "exchange": exchange.run,
    "profiles": profiles.run_profiles,
    "config": profiles.run_config,
    "import-sample": profiles.run_import_sample,
    "web": web.run,
    "introspect": token_status.run_introspect,
    "revoke": token_status.run_revoke,
}


# A token, a key id or a client id in base64url: it may begin with "-" (one in 64 does),
# which argparse would read as an option it does not know. No option here looks so.
_DASHED_VALUE = re.compile(r"-[A-Za-z0-9_][A-Za-z0-9_\-]{10,}(\.[A-Za-z0-9_\-]*)*")


def dashed_values_last(argv: list[str]) -> list[str]:
    """`revoke -5oL…` and `keys revoke -Xq…` as meant: a value that begins with "-"
    and that no option could be, after `--` at the end, when nothing but options follow
    it (so the order of positional arguments never changes)."""
    if "--" in argv:
        return argv
    for i, arg in enumerate(argv):
        if _DASHED_VALUE.fullmatch(arg):
            rest = argv[i + 1 :]
            if all(a.startswith("-") for a in rest) and not any(_takes_value(a) for a in rest):
                return [*argv[:i], *rest, "--", arg]
    return argv


def _takes_value(arg: str) -> bool:
    """An option after the value whose own value would follow it (then left alone)."""
    return arg in ("-X", "-H", "-d", "--method", "--header", "--data", "--param", "--scope")


def main(argv: list[str] | None = None) -> int:
    import sys

    parser = build_parser()
    args = parser.parse_args(dashed_values_last(sys.argv[1:] if argv is None else argv))
    try:
        if args.command in RUNNERS:
            return RUNNERS[args.command](args)
        if args.command == "diagnose":
            return _with_session(args, diagnose.run)
        if args.command in ("grants", "keys"):
            return _with_session(args, grants.run)
        if args.command == "organizations":
            return _with_session(args, organizations.run)
        if args.command == "quota":
            return _with_session(args, quotas.run)
        if args.command in ("actions", "preview"):
            return _with_session(args, actions.run)
        if args.command == "certs":
            if args.action == "create":
                from m2m_tui.config.state_dir import resolve_state_dir

                return certs.run_create(args, resolve_state_dir(args.state_dir))
            return _with_session(args, certs.run_register)
        if args.command == "demo":
            return cmd_demo(args)
        return cmd_tui(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `m2m-tui token | head -c 10`
        return 0
    except Exception as exc:  # a bug: one line and an exit status, never a traceback
        return _unexpected(args, exc)


def _unexpected(args: argparse.Namespace, exc: Exception) -> int:
    """What went wrong, in one line on stderr, and where the full traceback was kept."""
    from m2m_tui.commands.common import EXIT_FAILED, fail
    from m2m_tui.config.error_log import describe, record_error
    from m2m_tui.config.state_dir import resolve_state_dir

    state_dir = resolve_state_dir(getattr(args, "state_dir", None))
    log = record_error(state_dir, f"m2m-tui {args.command or ''}".strip(), exc)
    where = f"the full traceback is in {log}" if log else "the traceback could not be saved"
    return fail(f"unexpected {describe(exc)} ({where})", EXIT_FAILED)


def _with_session(args: argparse.Namespace, runner) -> int:
    from m2m_tui.commands.common import open_session

    session = open_session(args)
    return session if isinstance(session, int) else runner(args, session)


def cmd_tui(args: argparse.Namespace) -> int:
    from m2m_tui.commands.common import load_profile

    # The bundled server starts once the first frame is up (the app's start_up): started
    # before it, on two cores, its start-up slowed the frame by a third.
    loaded = load_profile(args)
    if isinstance(loaded, int):
        return loaded
    config, profile, state_dir = loaded
    # The session opens once the app's first frame is up (tui/first_frame.py).
    from m2m_tui.session.loader import SessionLoader
    from m2m_tui.tui.app import M2MApp

    session = SessionLoader(config, state_dir, profile, getattr(args, "timeout", None))
    M2MApp(session, notice=getattr(args, "config_notice", None)).run()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The demo on a tenant of its own; `r` in it starts over on a fresh one."""
    import asyncio
    from pathlib import Path

    from rich.console import Console

    from m2m_tui.bundled_servers import StartFailed
    from m2m_tui.commands.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail
    from m2m_tui.commands.demo_progress import SlideProgress, starting
    from m2m_tui.demo.environment import start_demo_tenant
    from m2m_tui.demo.script import DemoScriptError, load_script

    try:
        script = load_script(Path(args.script) if args.script else None)
    except DemoScriptError as exc:
        return fail(str(exc), EXIT_USAGE)
    console = Console(stderr=True)
    while True:
        try:
            with starting(console, "Starting the demo's own tenant on free ports…"):
                tenant = start_demo_tenant({step.action for step in script.steps})
                from m2m_tui.tui.demo import DemoApp, write_slides
        except StartFailed as exc:
            return fail(f"the demo's servers did not start: {exc}", EXIT_FAILED)
        try:
            app = DemoApp(tenant.session(), script, tenant.introspecting_url)
            if args.slides:
                with SlideProgress(console, len(script.steps)) as progress:
                    failed = asyncio.run(write_slides(app, Path(args.slides), progress))
                if failed:
                    return fail(f"the demo stopped at {failed}", EXIT_FAILED)
                print(f"wrote {len(script.steps)} slides to {args.slides}")
                return EXIT_OK
            result = app.run()
        finally:
            tenant.close()
        if result != "restart":
            return EXIT_OK
