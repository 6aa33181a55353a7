"""`m2m-tui quota …`: Auth0's fine-grained M2M token quotas from the shell. A client's or
an organization's own `token_quota`, and the tenant's `default_token_quota`, through
the Management API of the bundled tenant or a real Auth0 tenant (its management
profile)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from m2m_tui.commands.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail, run_with_management

if TYPE_CHECKING:  # parsing arguments must stay cheap: heavy modules load in run()
    from m2m_tui.admin.management_api import ManagementClient
    from m2m_tui.session.session import Session

KINDS = ("clients", "organizations")


def _limit(text: str) -> int | str:
    if text == "off":
        return text
    if not text.isdigit() or not 1 <= int(text) <= 2147483647:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of tokens (1 or more) or off")
    return int(text)


def _target(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("client", nargs="?", metavar="CLIENT", help="a client id")
    parser.add_argument(
        "--org", "--organization", dest="org", metavar="ORG", help="an organization (id or name)"
    )
    parser.add_argument(
        "--default",
        choices=KINDS,
        help="the tenant's default for every client (or organization) without its own",
    )
    parser.set_defaults(target_required=required)


def add_parsers(commands) -> None:
    quota = commands.add_parser(
        "quota",
        help="show and set token quotas: tokens per hour and per day (Auth0's fine-grained "
        "M2M token quotas)",
        description="Auth0's fine-grained M2M token quotas through the Management API, with\n"
        "the issuer's management profile (for the bundled tenant: local-admin).\n\n"
        "A quota limits the tokens a client (or an organization, from every client that\n"
        "names it) gets per UTC hour and per UTC day. Beyond it token requests are refused\n"
        "(429 too_many_requests) until the window resets, or only counted with --monitor.\n"
        "A client or organization without a quota of its own has the tenant's default.\n"
        "Tokens for the Management API itself are never counted by the bundled tenant.",
        epilog="examples:\n"
        "  m2m-tui quota set giftdeliveries --per-hour 5 --per-day 50\n"
        "  m2m-tui quota show giftdeliveries\n"
        "  m2m-tui quota set giftdeliveries --per-hour 100 --monitor   # counted, never refused\n"
        "  m2m-tui quota set --org acme --per-day 1000\n"
        "  m2m-tui quota set --default clients --per-hour 100\n"
        "  m2m-tui quota remove giftdeliveries      # back to the tenant's default\n"
        "  m2m-tui quota show                       # the defaults, every client and organization",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    quota.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS)
    actions = quota.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser(
        "show", help="the quota that applies (its own, or the tenant's default); all without one"
    )
    _target(show, required=False)
    show.add_argument("--json", action="store_true")
    change = actions.add_parser(
        "set", help="set a quota (the settings not given are kept); creates it if missing"
    )
    _target(change, required=True)
    change.add_argument("--per-hour", type=_limit, metavar="N|off", help="tokens per UTC hour")
    change.add_argument("--per-day", type=_limit, metavar="N|off", help="tokens per UTC day")
    mode = change.add_mutually_exclusive_group()
    mode.add_argument(
        "--enforce",
        dest="enforce",
        action="store_true",
        default=None,
        help="refuse token requests beyond it (the default)",
    )
    mode.add_argument(
        "--monitor",
        dest="enforce",
        action="store_false",
        help="only count: never refuse (enforce: false); the quota headers say what is left",
    )
    remove = actions.add_parser(
        "remove", help="remove a quota (a client's or organization's: the default applies)"
    )
    _target(remove, required=True)


def run(args: argparse.Namespace, session: Session) -> int:
    given = [t for t in (args.client, args.org, args.default) if t]
    if len(given) > 1:
        return fail("name one of CLIENT, --org ORG or --default KIND", EXIT_USAGE)
    if args.target_required and not given:
        return fail(f"quota {args.action}: name a CLIENT, --org ORG or --default KIND", EXIT_USAGE)
    return run_with_management(args, session, ACTIONS[args.action])


async def _defaults(mgmt: ManagementClient) -> tuple[dict | None, str]:
    """The tenant's default_token_quota ({} for none), or None and why it is unknown."""
    from m2m_tui.admin.management_api import ManagementError

    try:
        return (await mgmt.tenant_settings()).get("default_token_quota") or {}, ""
    except ManagementError as exc:  # a real tenant's client without read:tenant_settings
        return None, exc.message


async def _record(args: argparse.Namespace, mgmt: ManagementClient) -> tuple[str, dict] | None:
    """("clients", the client) or ("organizations", the organization) the arguments name;
    None once it was said that there is none."""
    from m2m_tui.admin.management_api import ManagementError

    if args.org:
        org = await mgmt.find_organization(args.org)
        if org is None:
            known = ", ".join(o["name"] for o in await mgmt.organizations()) or "none yet"
            fail(f"no organization {args.org!r} (known: {known})", EXIT_FAILED)
            return None
        return "organizations", org
    try:
        return "clients", await mgmt.get_client(args.client)
    except ManagementError as exc:
        if exc.status != 404:
            raise
    known = ", ".join(sorted(c["client_id"] for c in await mgmt.clients()))
    fail(f"unknown client {args.client!r} (known: {known})", EXIT_FAILED)
    return None


def _name(kind: str, record: dict) -> str:
    return record["client_id"] if kind == "clients" else record["name"]


async def _show(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    from m2m_tui.admin.token_quotas import applies, describe, settings_of

    defaults, unknown = await _defaults(mgmt)
    if args.default:
        settings = None if defaults is None else settings_of(defaults.get(args.default))
        if args.json:
            print(json.dumps(settings))
        elif defaults is None:
            return fail(f"the tenant's settings cannot be read: {unknown}", EXIT_FAILED)
        else:
            print(f"tenant default for {args.default}: {describe(settings)}")
        return EXIT_OK
    if args.client or args.org:
        found = await _record(args, mgmt)
        if found is None:
            return EXIT_FAILED
        kind, record = found
        shown = applies(record, defaults, kind)
        if args.json:
            print(json.dumps({"token_quota": shown.settings, "own": shown.own}))
        else:
            print(f"{_name(kind, record)}: {shown.sentence()}")
        return EXIT_OK
    everything = {"clients": await mgmt.clients(), "organizations": await mgmt.organizations()}
    if args.json:
        listed = {k: {_name(k, r): r.get("token_quota") for r in v} for k, v in everything.items()}
        print(json.dumps({"default_token_quota": defaults, **listed}, indent=2))
        return EXIT_OK
    for kind in KINDS:
        default = (
            "cannot be read: " + unknown
            if defaults is None
            else describe(settings_of(defaults.get(kind)))
        )
        print(f"tenant default for {kind}: {default}")
    for kind, records in everything.items():
        if records:
            print(f"{kind}:")
        for record in records:
            print(f"  {_name(kind, record)}  {applies(record, defaults, kind).sentence()}")
    print(
        "tokens for the Management API are not counted by the bundled tenant",
        file=sys.stderr,
    )
    return EXIT_OK


async def _set(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    from m2m_tui.admin.token_quotas import changed, describe, meaning, settings_of

    if args.per_hour is None and args.per_day is None and args.enforce is None:
        return fail("quota set: give --per-hour, --per-day, --enforce or --monitor", EXIT_USAGE)
    if args.default:
        defaults, unknown = await _defaults(mgmt)
        if defaults is None:
            return fail(f"the tenant's settings cannot be read: {unknown}", EXIT_FAILED)
        current = settings_of(defaults.get(args.default))
    else:
        found = await _record(args, mgmt)
        if found is None:
            return EXIT_FAILED
        kind, record = found
        current = settings_of(record.get("token_quota"))
    try:
        quota = changed(current, args.per_hour, args.per_day, args.enforce)
    except ValueError as exc:
        return fail(str(exc), EXIT_USAGE)
    if args.default:
        await mgmt.set_default_quota({**defaults, args.default: quota})
        who = f"tenant default for {args.default}"
    elif kind == "clients":
        await mgmt.set_client_quota(record["client_id"], quota)
        who = record["client_id"]
    else:
        await mgmt.set_organization_quota(record["id"], quota)
        who = f"organization {record['name']}"
    settings = quota["client_credentials"]
    print(f"{who}: {describe(settings)}: {meaning(settings)}")
    return EXIT_OK


async def _remove(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    if args.default:
        defaults, unknown = await _defaults(mgmt)
        if defaults is None:
            return fail(f"the tenant's settings cannot be read: {unknown}", EXIT_FAILED)
        kept = {k: v for k, v in defaults.items() if k != args.default}
        await mgmt.set_default_quota(kept or None)
        print(f"tenant default for {args.default}: removed")
        return EXIT_OK
    found = await _record(args, mgmt)
    if found is None:
        return EXIT_FAILED
    kind, record = found
    if kind == "clients":
        await mgmt.set_client_quota(record["client_id"], None)
    else:
        await mgmt.set_organization_quota(record["id"], None)
    print(f"{_name(kind, record)}: its own quota removed; the tenant's default for {kind} applies")
    return EXIT_OK


ACTIONS = {"show": _show, "set": _set, "remove": _remove}
