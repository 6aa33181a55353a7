"""`m2m-tui serve`: the bundled authorization server and World Mappers API.

The servers own their command line (`api_server.cli`); this command only finds the
config file and the state directory the way every m2m-tui command does, and hands
the servers their [server] table. It is the one place the client imports the servers.
"""

from __future__ import annotations

import argparse

from m2m_tui.commands.common import load_config_arg


def add_parser(commands) -> None:
    from api_server.cli import DESCRIPTION, EXAMPLES, add_arguments

    serve = commands.add_parser(
        "serve",
        help="run the bundled authorization server and World Mappers API",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(serve)


def run(args: argparse.Namespace) -> int:
    from api_server.cli import backup
    from api_server.cli import run as serve
    from m2m_tui.config.state_dir import resolve_state_dir

    state_dir = resolve_state_dir(args.state_dir)
    if args.export or args.import_from:
        return backup(args, state_dir)  # works without a readable config
    config = load_config_arg(args)
    if isinstance(config, int):
        return config
    return serve(args, config.server.table, state_dir, str(config.path))
