"""`m2m-tui serve`: the bundled authorization server and World Mappers API."""

from __future__ import annotations

import argparse
import sys

from m2m_tui.commands.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail, load_config_arg

EXAMPLES = """\
examples:
  m2m-tui serve                      the authority on :7000 and the API on :7001
  m2m-tui serve --tls                the same over HTTPS, with a local CA
  m2m-tui serve --tls authority      HTTPS for the authority only, the API on plain
                                     HTTP: the original sample's topology
  m2m-tui serve --only api --issuer https://TENANT.auth0.com/
                                     the API alone, trusting a real Auth0 tenant
  m2m-tui serve --export tenant.json back up APIs, clients and grants (no secrets)
  PASS=... m2m-tui serve --export tenant.json --passphrase-env PASS
                                     ... and the signing keys, encrypted with $PASS
  m2m-tui serve --import tenant.json replace the local tenant with a backup
"""


def add_parser(commands) -> None:
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
    serve.add_argument("--host", help="address to bind (default 127.0.0.1; others warn)")
    serve.add_argument("--authority-port", type=int, metavar="PORT", help="default 7000")
    serve.add_argument("--api-port", type=int, metavar="PORT", help="default 7001")
    serve.add_argument(
        "--only", choices=("authority", "api"), help="run one part as its own process"
    )
    serve.add_argument(
        "--tls",
        nargs="?",
        const="both",
        choices=("both", "authority"),
        help="serve HTTPS with a local CA (<state-dir>/tls/ca.pem): on both servers, or "
        "with `--tls authority` on the authorization server only",
    )
    serve.add_argument("--issuer", metavar="URL", help="the API's token issuer (with --only api)")
    serve.add_argument("--audience", metavar="AUD", help="the API's audience (urn:worldmappers)")
    serve.add_argument(
        "--jwks-uri",
        metavar="URL",
        help="with --only api: fetch the issuer's keys here instead of by discovery",
    )
    serve.add_argument("--debug", action="store_true", help="log callers' sub and scope")
    backup = serve.add_mutually_exclusive_group()
    backup.add_argument(
        "--export",
        metavar="FILE",
        help="write the local tenant to FILE (0600) and exit; works while serving",
    )
    backup.add_argument(
        "--import",
        dest="import_from",
        metavar="FILE",
        help="replace the local tenant with FILE and exit (the old one is kept beside it)",
    )
    serve.add_argument(
        "--passphrase-env",
        metavar="NAME",
        help="with --export/--import: the environment variable holding the passphrase "
        "that encrypts the signing keys (without it, keys are left out)",
    )


def run(args: argparse.Namespace) -> int:
    from m2m_tui.paths import resolve_state_dir

    if args.export or args.import_from:
        return backup(args, resolve_state_dir(args.state_dir))
    if args.passphrase_env:
        return fail("--passphrase-env goes with --export or --import", EXIT_USAGE)

    if args.jwks_uri and args.only != "api":
        return fail("--jwks-uri only applies with --only api", EXIT_USAGE)
    if args.issuer and args.only != "api":
        return fail(
            "--issuer only applies with --only api (the bundled API trusts its own authority)",
            EXIT_USAGE,
        )
    config = load_config_arg(args)
    if isinstance(config, int):
        return config
    issuer = args.issuer
    if issuer and not issuer.startswith(("https://", "http://")):
        issuer = f"https://{issuer}/"  # an Auth0 domain is enough
    server = config.server
    if args.jwks_uri:
        from dataclasses import replace

        server = replace(server, api=replace(server.api, jwks_uri=args.jwks_uri))

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
    )
    configure_logging(args.debug)
    try:
        prepared = prepare(options)
    except (ServeError, StoreError, ValueError) as exc:
        return fail(str(exc), EXIT_FAILED)
    except PermissionError as exc:
        return fail(f"cannot use the state directory {options.state_dir}: {exc}", EXIT_FAILED)

    def ready() -> None:
        for line in prepared.lines:
            print(line, file=sys.stderr if line.startswith("WARNING") else sys.stdout, flush=True)
        print(f"State: {options.state_dir}   (Ctrl-C stops)", flush=True)

    try:
        asyncio.run(run(prepared.servers, ready))
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def backup(args: argparse.Namespace, state_dir) -> int:
    import os
    from pathlib import Path

    from api_server.authority.backup import BackupError, export_tenant, import_tenant
    from api_server.authority.store import StoreError

    passphrase = None
    if args.passphrase_env:
        value = os.environ.get(args.passphrase_env)
        if not value:
            return fail(f"--passphrase-env: ${args.passphrase_env} is not set", EXIT_USAGE)
        passphrase = value.encode()
    db = state_dir / "tenant.db"
    try:
        if args.export:
            counts = export_tenant(db, Path(args.export), passphrase)
            print(f"Exported {_counted(counts)} from {db} to {args.export}")
            if passphrase is None:
                print("Signing keys left out (no --passphrase-env); client secrets are hashes.")
        else:
            from m2m_tui.paths import ensure_private_dir

            ensure_private_dir(state_dir)
            counts, kept = import_tenant(db, Path(args.import_from), passphrase)
            print(f"Imported {_counted(counts)} from {args.import_from} into {db}")
            if kept:
                print(f"The tenant it replaced is kept at {kept}")
            if "signing_keys" not in counts:
                print("The backup has no signing keys: this state keeps (or makes) its own.")
    except (BackupError, StoreError) as exc:
        return fail(str(exc), EXIT_FAILED)
    except OSError as exc:
        return fail(f"{exc.filename or ''}: {exc.strerror or exc}", EXIT_FAILED)
    return EXIT_OK


def _counted(counts: dict[str, int]) -> str:
    names = {
        "resource_servers": "APIs",
        "clients": "clients",
        "client_grants": "grants",
        "signing_keys": "signing keys",
    }
    return ", ".join(f"{counts[t]} {n}" for t, n in names.items() if t in counts)
