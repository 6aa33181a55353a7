"""The servers' command line: `python -m api_server`, and `m2m-tui serve`, which hands it
the [server] table of its config file and its state directory.

Argument parsing stays light: the servers' modules load only in `run()`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from oauth_primitives.issuer import normalise_issuer

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DESCRIPTION = (
    "Run the local Auth0-compatible authorization server (issuer http://127.0.0.1:7000/) "
    "with the World Mappers API (http://127.0.0.1:7001) and the Routes API it asks for routes "
    "(http://127.0.0.1:7002)."
)

EXAMPLES = """\
examples:
  m2m-tui serve                      the authority on :7000, the API on :7001 and
                                     the Routes API (its downstream) on :7002
  m2m-tui serve --tls                the same over HTTPS, with a local CA
  m2m-tui serve --tls authority      HTTPS for the authority only, the API on plain
                                     HTTP: the original sample's topology
  m2m-tui serve --only api --workers 2 --issuer http://127.0.0.1:7000/
                                     the API on two processes behind one port
  m2m-tui serve --only api --issuer https://TENANT.auth0.com/
                                     the API alone, trusting a real Auth0 tenant
  m2m-tui serve --export tenant.json back up APIs, clients and grants (no secrets)
  PASS=... m2m-tui serve --export tenant.json --passphrase-env PASS
                                     ... and the signing keys and client_secret_jwt
                                     secrets, encrypted with $PASS
  m2m-tui serve --import tenant.json replace the local tenant with a backup
"""


PROG = ["m2m-tui"]  # what error messages start with; `python -m api_server` says its own


def fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"{PROG[0]}: error: {message}", file=sys.stderr)
    return code


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to bind (default 127.0.0.1; others warn)")
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="bound to loopback, the servers answer only to Host 127.0.0.1, localhost and "
        "[::1] (against DNS rebinding); NAME is another they answer to (repeatable)",
    )
    parser.add_argument(
        "--trust-edge",
        action="append",
        default=[],
        metavar="ADDR",
        help="mutual TLS behind a TLS edge (RFC 8705), as Auth0's custom domains: believe "
        "the client-certificate and client-certificate-ca-verified headers from the edge "
        "at ADDR (repeatable; from anyone else they are ignored)",
    )
    parser.add_argument("--authority-port", type=int, metavar="PORT", help="default 7000")
    parser.add_argument("--api-port", type=int, metavar="PORT", help="default 7001")
    parser.add_argument(
        "--routes-port", type=int, metavar="PORT", help="the Routes API's; default 7002"
    )
    parser.add_argument(
        "--only",
        choices=("authority", "api", "routes"),
        help="run one part as its own process",
    )
    parser.add_argument(
        "--tls",
        nargs="?",
        const="both",
        choices=("both", "authority"),
        help="serve HTTPS with a local CA (<state-dir>/tls/ca.pem): on both servers, or "
        "with `--tls authority` on the authorization server only",
    )
    parser.add_argument("--issuer", metavar="URL", help="the API's token issuer (with --only api)")
    parser.add_argument("--audience", metavar="AUD", help="the API's audience (urn:worldmappers)")
    parser.add_argument(
        "--validation",
        choices=("jwt", "introspection"),
        help="how the API checks tokens: itself (jwt, the default: a revoked token works "
        "until its exp) or by asking the authority (introspection, RFC 7662: at once)",
    )
    parser.add_argument(
        "--require-organization",
        action="store_true",
        help="with the API: refuse tokens without org_id (Organizations for M2M)",
    )
    parser.add_argument(
        "--organizations",
        metavar="ORG,…",
        help="with the API: serve only these organizations (ids or names; implies "
        "--require-organization)",
    )
    parser.add_argument(
        "--require-claim",
        action="append",
        metavar="NAME[=VALUE]",
        help="with the API: refuse tokens without this claim (with this value); may be "
        "given more than once. Said in its RFC 9728 metadata (required_claims)",
    )
    parser.add_argument(
        "--directions-by",
        choices=("routes", "local"),
        help="World Mappers' directions: asked of the Routes API by token exchange "
        "(routes, the default when both are served here) or computed in the API itself "
        "(local: one hop, as the original sample)",
    )
    parser.add_argument(
        "--introspection-client-id",
        metavar="ID",
        help="with --validation introspection: the API's own client at the issuer",
    )
    parser.add_argument(
        "--introspection-secret-env",
        metavar="VAR",
        help="the environment variable that holds that client's secret (never on the "
        "command line, where ps shows it)",
    )
    parser.add_argument(
        "--jwks-uri",
        metavar="URL",
        help="with --only api: fetch the issuer's keys here instead of by discovery",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="with --only api: N worker processes behind one port (uvicorn's workers)",
    )
    parser.add_argument("--debug", action="store_true", help="log callers' sub and scope")
    backup = parser.add_mutually_exclusive_group()
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
    parser.add_argument(
        "--passphrase-env",
        metavar="NAME",
        help="with --export/--import: the environment variable holding the passphrase "
        "that encrypts the signing keys and client_secret_jwt secrets (without it, they "
        "are left out)",
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m api_server [--config FILE] [--state-dir DIR] …`: the servers alone."""
    parser = argparse.ArgumentParser(
        prog="python -m api_server",
        description=DESCRIPTION,
        epilog=EXAMPLES.replace("m2m-tui serve", "python -m api_server"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config", metavar="FILE", default="config.toml", help="its [server] table is read"
    )
    parser.add_argument("--state-dir", metavar="DIR", help="keys, tenant, TLS files")
    add_arguments(parser)
    args = parser.parse_args(argv)
    PROG[0] = "api_server"
    table = read_server_table(Path(args.config))
    if isinstance(table, int):
        return table
    from oauth_primitives.private_files import default_state_dir

    state_dir = Path(args.state_dir).expanduser() if args.state_dir else default_state_dir()
    return run(args, table, state_dir, args.config)


def _serve_workers(args, table, source, server, issuer, state_dir: Path) -> int:
    from .serve import ServeError
    from .workers import serve_workers

    issuer = issuer or server.api.issuer or f"http://127.0.0.1:{server.authority_port}/"
    ca = None
    if issuer.startswith("https://127.0.0.1") or issuer.startswith("https://localhost"):
        local_ca = state_dir / "tls" / "ca.pem"  # the bundled authority's, with --tls
        ca = str(local_ca) if local_ca.exists() else None
    try:
        serve_workers(
            table,
            source,
            args.host or server.host,
            server.api_port if args.api_port is None else args.api_port,
            issuer,
            args.workers,
            audience=args.audience,
            jwks_uri=args.jwks_uri,
            ca=ca,
            debug=args.debug,
            announce=lambda line: print(line, flush=True),
            allowed_hosts=tuple(args.allow_host),
        )
    except ServeError as exc:
        return fail(str(exc), EXIT_FAILED)
    return EXIT_OK


def read_server_table(path: Path) -> dict[str, Any] | int:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return fail(f"{path}: no such config file (pass --config FILE)", EXIT_USAGE)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return fail(f"{path}: {exc}", EXIT_USAGE)
    return data.get("server", {})


def run(args: argparse.Namespace, table: dict[str, Any], state_dir: Path, source: str) -> int:
    """Serve (or back up) with the [server] `table`; `source` names it in messages."""
    from .settings import SettingsError, server_settings

    if args.export or args.import_from:
        return backup(args, state_dir)
    if args.passphrase_env:
        return fail("--passphrase-env goes with --export or --import", EXIT_USAGE)
    if args.jwks_uri and args.only != "api":
        return fail("--jwks-uri only applies with --only api", EXIT_USAGE)
    if args.issuer and args.only != "api":
        return fail(
            "--issuer only applies with --only api (the bundled API trusts its own authority)",
            EXIT_USAGE,
        )
    if args.workers < 1:
        return fail("--workers must be at least 1", EXIT_USAGE)
    if args.workers > 1 and args.only != "api":
        return fail(
            "--workers applies with --only api (the authority keeps its tenant in one process)",
            EXIT_USAGE,
        )
    try:
        server = server_settings(table, source)
    except SettingsError as exc:
        return fail(str(exc), EXIT_USAGE)
    # An Auth0 domain is enough, read as a profile reads it (oauth_primitives.issuer).
    issuer = normalise_issuer(args.issuer) if args.issuer else None
    if args.jwks_uri:
        from dataclasses import replace

        server = replace(server, api=replace(server.api, jwks_uri=args.jwks_uri))
    given = {}  # what the flags set in [server.api]; the workers read the table itself
    if args.validation:
        given["validation"] = args.validation
    if args.directions_by:
        given["directions_by"] = args.directions_by
    if args.introspection_client_id:
        given["introspection_client_id"] = args.introspection_client_id
    if args.introspection_secret_env:
        secret = os.environ.get(args.introspection_secret_env)
        if not secret:
            return fail(
                f"--introspection-secret-env {args.introspection_secret_env}: that variable "
                "is not set (or empty)",
                EXIT_USAGE,
            )
        given["introspection_client_secret"] = secret
    if args.require_organization or args.organizations:
        given["require_organization"] = True
    if args.organizations:
        orgs = tuple(o.strip() for o in args.organizations.split(",") if o.strip())
        if not orgs:
            return fail("--organizations names no organization", EXIT_USAGE)
        given["organizations"] = orgs
    if args.require_claim:
        named = [c for c in args.require_claim if c.split("=", 1)[0].strip()]
        if len(named) != len(args.require_claim):
            return fail("--require-claim needs a claim's name: NAME or NAME=VALUE", EXIT_USAGE)
        given["required_claims"] = tuple(named)
    if given:
        from dataclasses import replace

        server = replace(server, api=replace(server.api, **given))
        listed = {k: list(v) if isinstance(v, tuple) else v for k, v in given.items()}
        table = {**table, "api": {**table.get("api", {}), **listed}}

    if args.workers > 1:
        return _serve_workers(args, table, source, server, issuer, state_dir)

    import asyncio

    from .authority.tenant import StoreError
    from .serve import ServeError, ServeOptions, configure_logging, prepare
    from .serve import run as serve

    options = ServeOptions(
        state_dir=state_dir,
        settings=server,
        host=args.host or server.host,
        authority_port=server.authority_port
        if args.authority_port is None
        else args.authority_port,
        api_port=server.api_port if args.api_port is None else args.api_port,
        routes_port=server.routes_port if args.routes_port is None else args.routes_port,
        only=args.only,
        tls=args.tls,
        issuer=issuer,
        audience=args.audience,
        allowed_hosts=tuple(args.allow_host),
        trusted_edges=tuple(args.trust_edge),
    )
    configure_logging(args.debug)
    try:
        prepared = prepare(options)
    except (ServeError, StoreError, ValueError) as exc:
        return fail(str(exc), EXIT_FAILED)
    except PermissionError as exc:
        return fail(f"cannot use the state directory {options.state_dir}: {exc}", EXIT_FAILED)

    def ready() -> None:
        for warning in prepared.warnings:
            print(warning, file=sys.stderr, flush=True)
        for line in prepared.lines:
            print(line, flush=True)
        print(f"State: {options.state_dir}   (Ctrl-C stops)", flush=True)

    try:
        asyncio.run(serve(prepared.servers, ready))
    except KeyboardInterrupt:
        pass
    finally:
        # Closed, SQLite checkpoints its WAL into tenant.db: after a clean stop the .db
        # file alone holds the tenant (a backup by copying it is whole).
        if prepared.authority is not None:
            prepared.authority.close()
    return EXIT_OK


def backup(args: argparse.Namespace, state_dir) -> int:
    import os
    from pathlib import Path

    from .authority.backup import BackupError, export_tenant, import_tenant
    from .authority.tenant import StoreError

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
            left_out = counts["client_secrets_left_out"]
            if left_out:
                print(
                    f"The secrets of {left_out} client_secret_jwt client(s) left out "
                    + ("(no --passphrase-env)" if passphrase is None else "(they did not open)")
                    + ": rotate them after an import."
                )
        else:
            from oauth_primitives.private_files import ensure_private_dir

            ensure_private_dir(state_dir)
            counts, kept = import_tenant(db, Path(args.import_from), passphrase)
            print(f"Imported {_counted(counts)} from {args.import_from} into {db}")
            if kept:
                print(f"The tenant it replaced is kept at {kept}")
            if "signing_keys" not in counts:
                print("The backup has no signing keys: this state keeps (or makes) its own.")
            if counts["client_secrets_missing"]:
                print(
                    f"{counts['client_secrets_missing']} client_secret_jwt client(s) came "
                    "without their secret: rotate it (POST /api/v2/clients/ID/rotate-secret)."
                )
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
        "token_exchange_profiles": "token exchange profiles",
        "signing_keys": "signing keys",
    }
    said = [f"{counts[t]} {n}" for t, n in names.items() if t in counts]
    if counts.get("client_secrets"):  # sealed under the passphrase (client_secret_jwt)
        said.append(f"{counts['client_secrets']} client_secret_jwt secret(s)")
    return ", ".join(said)
