"""`m2m-tui organizations …`: Auth0's Organizations for M2M from the shell. Organizations,
and which client grants may name them in a token request, through the Management API of
the bundled tenant or a real Auth0 tenant (its management profile)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from m2m_tui.commands.common import EXIT_FAILED, EXIT_OK, fail, run_with_management

if TYPE_CHECKING:  # parsing arguments must stay cheap: heavy modules load in run()
    from m2m_tui.admin.management_api import ManagementClient
    from m2m_tui.session.session import Session

USAGES = ("deny", "allow", "require")
USAGE_MEANINGS = {
    "deny": "a token request that names an organization is refused",
    "allow": "a token request may name an organization it is allowed, or none",
    "require": "a token request must name an organization it is allowed",
}


def add_parsers(commands) -> None:
    orgs = commands.add_parser(
        "organizations",
        help="organizations and the client grants that may name them (Organizations for M2M)",
        description="Auth0's Organizations for M2M through the Management API, with the\n"
        "issuer's management profile (for the bundled tenant: local-admin).\n\n"
        "A client gets a token for an organization when its grant on the API allows\n"
        "organizations (organization_usage allow or require) and the organization is\n"
        "associated with that grant (or the grant allows any organization).",
        epilog="examples:\n"
        "  m2m-tui organizations create acme --display-name 'Acme Corp'\n"
        "  m2m-tui organizations authorize acme giftdeliveries urn:worldmappers\n"
        "  m2m-tui token --organization acme | m2m-tui decode\n"
        "  m2m-tui organizations usage giftdeliveries urn:worldmappers require\n"
        "  m2m-tui organizations unauthorize acme giftdeliveries urn:worldmappers\n"
        "  m2m-tui organizations delete acme",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    orgs.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS)
    actions = orgs.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the organizations, each with its client grants")
    listing.add_argument("--json", action="store_true")
    create = actions.add_parser("create", help="create an organization")
    create.add_argument("name", help="lowercase letters, digits, '-' or '_'")
    create.add_argument("--display-name", default="", metavar="TEXT")
    delete = actions.add_parser(
        "delete",
        help="delete an organization (its grants stay; they lose the association)",
    )
    delete.add_argument("organization", metavar="ORG", help="its id (org_…) or name")
    for name, text in (
        ("authorize", "let the client's grant on the API name the organization"),
        ("unauthorize", "stop the client's grant on the API naming the organization"),
    ):
        edit = actions.add_parser(name, help=text)
        edit.add_argument("organization", metavar="ORG", help="its id (org_…) or name")
        edit.add_argument("client")
        edit.add_argument("audience")
        if name == "authorize":
            edit.add_argument(
                "--usage",
                choices=("allow", "require"),
                help="also set the grant's organization_usage (default: allow, where it is "
                "deny; otherwise left as it is)",
            )
    usage = actions.add_parser(
        "usage", help="show or set a grant's organization_usage and allow_any_organization"
    )
    usage.add_argument("client")
    usage.add_argument("audience")
    usage.add_argument("usage", nargs="?", choices=USAGES)
    anyone = usage.add_mutually_exclusive_group()
    anyone.add_argument(
        "--any",
        dest="allow_any",
        action="store_true",
        default=None,
        help="any organization may be named (allow_any_organization: true)",
    )
    anyone.add_argument(
        "--only-associated",
        dest="allow_any",
        action="store_false",
        help="only the associated organizations (allow_any_organization: false)",
    )


def run(args: argparse.Namespace, session: Session) -> int:
    return run_with_management(args, session, ACTIONS[args.action])


async def _list(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    orgs = await mgmt.organizations()
    for org in orgs:
        org["client_grants"] = await mgmt.organization_grants(org["id"])
    if args.json:
        print(json.dumps(orgs, indent=2))
        return EXIT_OK
    if not orgs:
        print("no organizations: `m2m-tui organizations create NAME` makes one", file=sys.stderr)
    for org in orgs:
        shown = org.get("display_name") or ""
        shown = f"  {shown}" if shown != org["name"] else ""
        print(f"{org['id']}  {org['name']}{shown}")
        for grant in org["client_grants"]:
            print(f"  {grant['client_id']} on {grant['audience']}  ({_usage_line(grant)})")
        if not org["client_grants"]:
            print("  no client grant may name it")
    return EXIT_OK


async def _create(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    org = await mgmt.create_organization(args.name, args.display_name)
    print(
        f"{org['id']}  {org['name']}: created; `organizations authorize {org['name']} CLIENT "
        "AUDIENCE` lets a client's grant name it"
    )
    return EXIT_OK


async def _delete(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    org = await _organization(args, mgmt)
    if org is None:
        return EXIT_FAILED
    grants = await mgmt.organization_grants(org["id"])
    await mgmt.delete_organization(org["id"])
    print(f"deleted {org['id']} ({org['name']})")
    for grant in grants:
        print(
            f"  {grant['client_id']} on {grant['audience']}: the grant stays, without "
            f"{org['name']}; its token requests naming {org['name']} are now refused"
        )
    if grants:
        print(
            "tokens already issued for it stay valid until they expire (m2m-tui's cache keeps "
            "one too: `m2m-tui token --no-cache` asks afresh)",
            file=sys.stderr,
        )
    return EXIT_OK


async def _authorize(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    found = await _organization_and_grant(args, mgmt)
    if found is None:
        return EXIT_FAILED
    org, grant = found
    await mgmt.associate(org["id"], grant["id"])
    usage = args.usage or ("allow" if grant.get("organization_usage", "deny") == "deny" else None)
    if usage and usage != grant.get("organization_usage"):
        grant = await mgmt.set_organization_usage(grant["id"], usage)
        print(f"organization_usage is now {usage}: {USAGE_MEANINGS[usage]}")
    print(
        f"{args.client} on {args.audience} may now name {org['name']} ({org['id']}): "
        f"`m2m-tui token --organization {org['name']}` gets a token with its org_id"
    )
    return EXIT_OK


async def _unauthorize(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    found = await _organization_and_grant(args, mgmt)
    if found is None:
        return EXIT_FAILED
    org, grant = found
    if not any(o["id"] == org["id"] for o in await mgmt.grant_organizations(grant["id"])):
        return fail(
            f"{args.client} on {args.audience} is not associated with {org['name']}", EXIT_FAILED
        )
    await mgmt.dissociate(org["id"], grant["id"])
    tail = (
        " (but allow_any_organization is true: it still may)"
        if grant.get("allow_any_organization")
        else ""
    )
    print(f"{args.client} on {args.audience} may no longer name {org['name']}{tail}")
    return EXIT_OK


async def _usage(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    grant = await _grant(args, mgmt)
    if grant is None:
        return EXIT_FAILED
    if args.usage is not None or args.allow_any is not None:
        grant = await mgmt.set_organization_usage(grant["id"], args.usage, args.allow_any)
    named = [o["name"] for o in await mgmt.grant_organizations(grant["id"])]
    usage = grant.get("organization_usage") or "deny"
    print(f"{args.client} on {args.audience}: {_usage_line(grant)}")
    print(f"  {USAGE_MEANINGS.get(usage, usage)}")
    if grant.get("allow_any_organization"):
        print("  any organization of the tenant may be named")
    else:
        print(f"  associated: {', '.join(named) or 'none'}")
    return EXIT_OK


def _usage_line(grant: dict) -> str:
    anyone = "any organization" if grant.get("allow_any_organization") else "associated only"
    return f"organization_usage {grant.get('organization_usage') or 'deny'}, {anyone}"


async def _organization(args: argparse.Namespace, mgmt: ManagementClient) -> dict | None:
    org = await mgmt.find_organization(args.organization)
    if org is None:
        known = ", ".join(o["name"] for o in await mgmt.organizations()) or "none yet"
        fail(f"no organization {args.organization!r} (known: {known})", EXIT_FAILED)
    return org


async def _organization_and_grant(
    args: argparse.Namespace, mgmt: ManagementClient
) -> tuple[dict, dict] | None:
    """ORG, and CLIENT's grant on AUDIENCE; None once either was said to be missing."""
    org = await _organization(args, mgmt)
    grant = await _grant(args, mgmt) if org is not None else None
    return None if grant is None else (org, grant)


async def _grant(args: argparse.Namespace, mgmt: ManagementClient) -> dict | None:
    grant = await mgmt.grant(args.client, args.audience)
    if grant is None:
        fail(
            f"{args.client} has no grant on {args.audience}: "
            f"`m2m-tui grants set {args.client} {args.audience}` creates one",
            EXIT_FAILED,
        )
    return grant


ACTIONS = {
    "list": _list,
    "create": _create,
    "delete": _delete,
    "authorize": _authorize,
    "unauthorize": _unauthorize,
    "usage": _usage,
}
