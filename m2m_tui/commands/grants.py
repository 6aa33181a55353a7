"""`m2m-tui grants …` and `m2m-tui keys …`: client grants and signing keys from the shell."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from m2m_tui.commands.common import EXIT_FAILED, EXIT_OK, fail, run_with_management
from oauth_primitives.rules.closed_sets import Dialect

if TYPE_CHECKING:  # parsing arguments must stay cheap: heavy modules load in run()
    from m2m_tui.admin.management_api import ManagementClient
    from m2m_tui.session.session import Session


def add_parsers(commands) -> None:
    grants = commands.add_parser(
        "grants",
        help="list and edit client grants (which client may call which API)",
        description="Client grants through the Management API, with the issuer's management "
        "profile (for the bundled tenant: local-admin).",
        epilog="examples:\n"
        "  m2m-tui grants list --client giftdeliveries\n"
        "  m2m-tui grants add giftdeliveries urn:worldmappers geocode:location\n"
        "  m2m-tui grants set giftdeliveries urn:worldmappers directions\n"
        "  m2m-tui grants revoke giftdeliveries urn:worldmappers\n"
        "  m2m-tui grants dpop urn:worldmappers required\n"
        "  m2m-tui grants dialect urn:worldmappers access_token_authz",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grants.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS)
    actions = grants.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list grants")
    listing.add_argument("--audience")
    listing.add_argument("--client")
    listing.add_argument("--json", action="store_true")
    for name, text in (
        ("set", "replace the scopes (creates the grant if missing)"),
        ("add", "add scopes (creates the grant if missing)"),
        ("remove", "remove scopes"),
    ):
        edit = actions.add_parser(name, help=text)
        edit.add_argument("client")
        edit.add_argument("audience")
        edit.add_argument("scopes", nargs="+" if name != "set" else "*", metavar="SCOPE")
    revoke = actions.add_parser("revoke", help="delete the grant")
    revoke.add_argument("client")
    revoke.add_argument("audience")
    dpop = actions.add_parser(
        "dpop",
        help="show or set whether the API requires DPoP-bound tokens (proof_of_possession)",
    )
    dpop.add_argument("audience")
    dpop.add_argument("mode", nargs="?", choices=("required", "optional", "off"))
    mtls = actions.add_parser(
        "mtls",
        help="show or set whether the API's tokens are bound to the client's certificate "
        "(RFC 8705; proof_of_possession mechanism mtls)",
    )
    mtls.add_argument("audience")
    mtls.add_argument("mode", nargs="?", choices=("required", "optional", "off"))
    dialect = actions.add_parser(
        "dialect",
        help="show or set the API's token dialect (Auth0's four; the _authz ones turn RBAC "
        "on and put permissions in the token)",
    )
    dialect.add_argument("audience")
    dialect.add_argument(
        "dialect",
        nargs="?",
        choices=tuple(d.value for d in Dialect),
    )

    keys = commands.add_parser(
        "keys",
        help="list, rotate and revoke signing keys",
        epilog="examples:\n  m2m-tui keys list\n  m2m-tui keys rotate\n  m2m-tui keys revoke KID",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    keys.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS)
    key_actions = keys.add_subparsers(dest="action", metavar="ACTION", required=True)
    key_list = key_actions.add_parser("list", help="current, next and previous keys")
    key_list.add_argument("--json", action="store_true")
    key_actions.add_parser("rotate", help="next becomes current; current becomes previous")
    key_revoke = key_actions.add_parser("revoke", help="revoke a previous key")
    key_revoke.add_argument("kid")


def run(args: argparse.Namespace, session: Session) -> int:
    return run_with_management(args, session, _keys if args.command == "keys" else _grants)


async def _grants(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    if args.action == "list":
        grants = await mgmt.grants(args.client, args.audience)
        if args.json:
            print(json.dumps(grants, indent=2))
        else:
            for g in grants:
                print(f"{g['id']}  {g['client_id']}  {g['audience']}  {' '.join(g['scope'])}")
            if not grants:
                print("no grants match", file=sys.stderr)
        return EXIT_OK
    if args.action in ("dpop", "mtls"):
        return await _dpop(args, mgmt)
    if args.action == "dialect":
        return await _dialect(args, mgmt)
    clients = {c["client_id"] for c in await mgmt.clients()}
    if args.client not in clients:
        return fail(
            f"unknown client {args.client!r} (known: {', '.join(sorted(clients))})", EXIT_FAILED
        )
    apis = {rs["identifier"]: rs for rs in await mgmt.resource_servers()}
    if args.audience not in apis:
        return fail(f"unknown audience {args.audience!r} (known: {', '.join(apis)})", EXIT_FAILED)
    if args.action in ("set", "add", "remove"):
        offered = {s["value"] for s in apis[args.audience]["scopes"]}
        unknown = [s for s in args.scopes if s not in offered]
        if unknown:
            return fail(
                f"unknown scope(s) on {args.audience}: {', '.join(unknown)} "
                f"(offered: {', '.join(sorted(offered))})",
                EXIT_FAILED,
            )
    grant = await mgmt.grant(args.client, args.audience)
    if args.action == "revoke":
        if grant is None:
            return fail(f"{args.client} has no grant on {args.audience}", EXIT_FAILED)
        await mgmt.delete_grant(grant["id"])
        print(f"revoked {grant['id']}: {args.client} may no longer get tokens for {args.audience}")
        return EXIT_OK
    if args.action == "set":
        scopes = list(dict.fromkeys(args.scopes))
        result = (
            await mgmt.create_grant(args.client, args.audience, scopes)
            if grant is None
            else await mgmt.set_grant_scope(grant["id"], scopes)
        )
    elif args.action == "add":
        result = await mgmt.add_scopes(args.client, args.audience, args.scopes)
    else:
        result = await mgmt.remove_scopes(args.client, args.audience, args.scopes)
    print(f"{result['id']}  {args.client}  {args.audience}  {' '.join(result['scope'])}")
    return EXIT_OK


async def _dpop(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    from m2m_tui.session.grants import dpop_mode

    mechanism = "mtls" if args.action == "mtls" else "dpop"
    apis = {rs["identifier"]: rs for rs in await mgmt.resource_servers()}
    if args.audience not in apis:
        return fail(f"unknown audience {args.audience!r} (known: {', '.join(apis)})", EXIT_FAILED)
    api = apis[args.audience]
    if args.mode is not None:
        api = await mgmt.set_proof_of_possession(api["id"], args.mode, mechanism)
    mode = dpop_mode(api, mechanism)
    meanings = {
        "dpop": {
            "required": "token requests without a DPoP proof are refused",
            "optional": "DPoP-bound tokens when the client sends a proof, else Bearer",
            "off": "DPoP-bound tokens when the client sends a proof, else Bearer",
        },
        "mtls": {
            "required": "token requests without a client certificate are refused; tokens "
            "are bound to it (cnf.x5t#S256)",
            "optional": "tokens bound to the client certificate when one is presented",
            "off": "no certificate-bound tokens",
        },
    }
    name = "DPoP" if mechanism == "dpop" else "mTLS binding"
    print(f"{args.audience}  {name} {mode}: {meanings[mechanism][mode]}")
    return EXIT_OK


async def _dialect(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    from m2m_tui.tokens.dialects import words_of

    apis = {rs["identifier"]: rs for rs in await mgmt.resource_servers()}
    if args.audience not in apis:
        return fail(f"unknown audience {args.audience!r} (known: {', '.join(apis)})", EXIT_FAILED)
    api = apis[args.audience]
    if args.dialect is not None:
        api = await mgmt.set_dialect(api["id"], args.dialect)
    dialect = api.get("token_dialect") or Dialect.ACCESS_TOKEN
    rbac = "on" if api.get("enforce_policies") else "off"
    print(f"{args.audience}  dialect {dialect} (RBAC {rbac}): {words_of(dialect)}")
    return EXIT_OK


async def _keys(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    if args.action == "list":
        keys = await mgmt.signing_keys()
        if args.json:
            print(
                json.dumps(
                    [{k: v for k, v in key.items() if k != "cert"} for key in keys], indent=2
                )
            )
            return EXIT_OK
        for key in keys:
            state = next((s for s in ("current", "next", "previous", "revoked") if key.get(s)), "")
            print(f"{key['kid']}  {state}")
        return EXIT_OK
    if args.action == "rotate":
        result = await mgmt.rotate_key()
        print(f"rotated: {result['kid']} now signs; the old key stays valid until revoked")
        return EXIT_OK
    keys = {k["kid"] for k in await mgmt.signing_keys()}
    if args.kid not in keys:
        return fail(f"unknown signing key {args.kid!r}", EXIT_FAILED)
    await mgmt.revoke_key(args.kid)
    print(
        f"revoked {args.kid}: tokens it signed are no longer accepted once APIs refresh their JWKS"
    )
    return EXIT_OK
