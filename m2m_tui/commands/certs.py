"""`m2m-tui certs …`: client certificates for mutual TLS (RFC 8705). `create` makes a
certificate and its key (self-signed, or issued by the bundled server's local client
CA); `register` names it for a client through the Management API, in Auth0's shapes
(a credential, then the client's client_authentication_methods)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from m2m_tui.commands.common import EXIT_OK, EXIT_USAGE, fail, run_with_management
from oauth_primitives.rules.closed_sets import AuthMethod

if TYPE_CHECKING:  # parsing arguments must stay cheap: heavy modules load in run()
    from m2m_tui.admin.management_api import ManagementClient
    from m2m_tui.session.session import Session

# RFC 8705's two methods, as plain strings for argparse's help (sorted, as it lists them).
METHODS = tuple(sorted(m.value for m in AuthMethod if m.by_certificate))


def add_parsers(commands) -> None:
    certs = commands.add_parser(
        "certs",
        help="client certificates for mutual TLS (RFC 8705): create one, register it",
        description="Client certificates for mutual TLS (RFC 8705).\n\n"
        "self_signed_tls_client_auth: the server knows the very certificate (register it).\n"
        "tls_client_auth: a CA the server trusts issued it, and the server knows its\n"
        "subject DN (--issued uses the bundled server's local client CA).",
        epilog="examples:\n"
        "  m2m-tui certs create gift\n"
        "  m2m-tui certs register gift giftdeliveries\n"
        "  m2m-tui certs create pki --issued && m2m-tui certs register pki "
        "giftdeliveries --method tls_client_auth",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    certs.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS)
    actions = certs.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="make a client certificate and its key (0600)")
    create.add_argument("name", help="file name, and the certificate's CN unless --cn")
    create.add_argument("--cn", help="the subject's common name (default: NAME)")
    create.add_argument("--days", type=int, default=365, help="validity (default 365)")
    create.add_argument(
        "--issued",
        action="store_true",
        help="issued by the bundled server's local client CA (<state-dir>/tls/client-ca.pem, "
        "made by `serve --tls`), for tls_client_auth; default: self-signed",
    )
    create.add_argument("--json", action="store_true")
    register = actions.add_parser(
        "register", help="register a certificate for a client (Management API)"
    )
    register.add_argument("name", help="a certificate made by `certs create` (or a PEM path)")
    register.add_argument("client", help="the client id")
    register.add_argument(
        "--method",
        choices=METHODS,
        default=AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH.value,
        help="how the client authenticates with it (default: self_signed_tls_client_auth)",
    )


def folder(state_dir: Path) -> Path:
    from oauth_primitives.private_files import ensure_private_dir

    return ensure_private_dir(state_dir / "certs")


def paths(state_dir: Path, name: str) -> tuple[Path, Path]:
    given = Path(name).expanduser()
    if given.suffix == ".pem" and given.exists():
        return given, given.with_name(given.stem + "-key.pem")
    return state_dir / "certs" / f"{name}.pem", state_dir / "certs" / f"{name}-key.pem"


def run_create(args: argparse.Namespace, state_dir: Path) -> int:
    from oauth_primitives import x509
    from oauth_primitives.private_files import write_private_file

    if "/" in args.name or args.name.startswith("."):
        return fail("NAME is a file name: letters, digits, '-', '_'", EXIT_USAGE)
    cert_path, key_path = paths(state_dir, args.name)
    if cert_path.exists():
        return fail(f"{cert_path} exists already: pick another NAME", EXIT_USAGE)
    issuer = None
    if args.issued:
        ca = state_dir / "tls"
        if not (ca / "client-ca.pem").exists():
            return fail(
                f"no local client CA in {ca}: run `m2m-tui serve --tls` once (it makes "
                "client-ca.pem), or leave out --issued for a self-signed certificate"
            )
        issuer = x509.load_issuer(ca)
    cert, key = x509.make_certificate(args.cn or args.name, args.days, issuer)
    folder(state_dir)
    write_private_file(key_path, key)
    write_private_file(cert_path, cert)
    cert_path.chmod(0o644)  # a certificate is public
    parsed = x509.load_certificate(cert)
    method = AuthMethod.TLS_CLIENT_AUTH if args.issued else AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH
    said = {
        "certificate": str(cert_path),
        "key": str(key_path),
        "subject_dn": x509.names_of(parsed).subject_dn,
        "x5t#S256": x509.thumbprint(x509.der_of(cert)),
        "auth_method": method,
    }
    if args.json:
        print(json.dumps(said, indent=2))
        return EXIT_OK
    print(f"certificate  {cert_path}\nkey          {key_path} (0600)")
    print(f"subject      {said['subject_dn']}\nx5t#S256     {said['x5t#S256']}")
    print(
        f"\nregister it: m2m-tui certs register {args.name} CLIENT_ID"
        + (" --method tls_client_auth" if args.issued else "")
        + "\nthen, in the client's profile:\n"
        f'  auth_method = "{method}"\n'
        f'  client_certificate = "{cert_path}"\n'
        f'  client_key = "{key_path}"',
        file=sys.stderr,
    )
    return EXIT_OK


def run_register(args: argparse.Namespace, session: Session) -> int:
    cert_path, _ = paths(session.state_dir, args.name)
    if not cert_path.exists():
        return fail(f"no certificate {cert_path}: `m2m-tui certs create {args.name}` first")
    args.pem = cert_path.read_text()
    return run_with_management(args, session, _register)


async def _register(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    if args.method == AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH:
        body = {"credential_type": "x509_cert", "name": args.name, "pem": args.pem}
    else:
        body = {"credential_type": "cert_subject_dn", "name": args.name, "pem": args.pem}
    made = await mgmt.request("POST", f"/clients/{args.client}/credentials", json=body)
    await mgmt.request(
        "PATCH",
        f"/clients/{args.client}",
        json={
            "client_authentication_methods": {args.method: {"credentials": [{"id": made["id"]}]}}
        },
    )
    what = made.get("thumbprint_sha256") or made.get("subject_dn")
    print(f"{args.client} now authenticates with {args.method}: {made['id']} ({what})")
    return EXIT_OK
