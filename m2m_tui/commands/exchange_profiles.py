"""`m2m-tui exchange-profiles …`: the token exchange policy (RFC 8693) from the shell, as
Auth0's `auth0 token-exchange` commands keep it (token exchange profiles: a name, a
subject token type, an Action), with the bundled tenant's policy fields: the clients
that may exchange, the APIs a token may be exchanged for, how scopes narrow, and the
other issuers whose tokens are taken."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from m2m_tui.commands.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail, run_with_management

if TYPE_CHECKING:  # parsing arguments must stay cheap: heavy modules load in run()
    from m2m_tui.admin.management_api import ManagementClient
    from m2m_tui.session.session import Session

EXAMPLES = """\
examples:
  m2m-tui exchange-profiles list
  m2m-tui exchange-profiles list --client world-mappers-api   # the ones it may use
  m2m-tui exchange-profiles show tep_…
  m2m-tui exchange-profiles create --name "Gift Deliveries to Routes" \\
      --client giftdeliveries --audience urn:worldmappers:routes \\
      --scope-map routes:read=directions
  m2m-tui exchange-profiles update tep_… --audience urn:worldmappers:routes \\
      --audience urn:worldmappers --scope-map routes:read=directions,geocode:location
  m2m-tui exchange-profiles update tep_… --client ''       # no client may use it
  m2m-tui exchange-profiles create --name Partner --client world-mappers-api \\
      --audience urn:worldmappers:routes \\
      --trusted-issuer https://partner.example/=https://partner.example/jwks.json
  m2m-tui exchange-profiles delete tep_…
"""


def _fields(parser: argparse.ArgumentParser, creating: bool) -> None:
    parser.add_argument("-n", "--name", required=creating, help="the profile's name")
    parser.add_argument(
        "-s",
        "--subject-token-type",
        metavar="TYPE",
        default="access_token" if creating else None,
        help="the subject tokens it takes: access_token, jwt, or a token type URI"
        + (" (default: access_token)" if creating else ""),
    )
    parser.add_argument(
        "-a", "--action-id", metavar="ID", help="an Action run on each exchange ('' unbinds it)"
    )
    every = "repeat it for more; '' for none" + ("" if creating else "; replaces the list")
    parser.add_argument(
        "--client",
        action="append",
        metavar="CLIENT_ID",
        help=f"a client that may exchange through it ({every})",
    )
    parser.add_argument(
        "--audience",
        action="append",
        metavar="API",
        help=f"an API a token may be exchanged for ({every})",
    )
    parser.add_argument(
        "--scope-map",
        action="append",
        metavar="TARGET=SUBJECT[,SUBJECT]",
        help=f"a target scope, carried when the subject token holds one of these ({every})",
    )
    parser.add_argument(
        "--trusted-issuer",
        action="append",
        metavar="ISSUER=JWKS_URI",
        help=f"another issuer whose JWTs it takes as subject tokens, with its keys' URL ({every})",
    )
    parser.add_argument("--json", action="store_true", help="the profile as the tenant answers")


def add_parsers(commands) -> None:
    profiles = commands.add_parser(
        "exchange-profiles",
        help="the token exchange policy (RFC 8693): who may exchange which tokens for which "
        "APIs, and how scopes narrow (Auth0's token exchange profiles)",
        description="Token exchange profiles through the Management API, with the issuer's\n"
        "management profile (for the bundled tenant: local-admin), as Auth0's\n"
        "`auth0 token-exchange` keeps them: a name, the subject token type, an Action.\n\n"
        "The bundled tenant decides by four more fields (m2m-tui's extensions): the\n"
        "clients that may exchange through a profile (--client), the APIs a token may be\n"
        "exchanged for (--audience), how scopes narrow (--scope-map, TARGET=SUBJECT: with\n"
        "`--scope-map routes:read=directions`, the new token carries routes:read only when\n"
        "the subject token holds directions; a scope the map does not name is carried only\n"
        "if the subject token holds it), and other issuers whose JWTs it takes\n"
        "(--trusted-issuer). Scopes never widen, and the acting client's grant on the\n"
        "target API still bounds them.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    profiles.add_argument(
        "--profile",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="the client profile whose issuer's tenant to manage (its management profile "
        "is used; default: the current profile)",
    )
    actions = profiles.add_subparsers(dest="action", metavar="ACTION", required=True)
    listed = actions.add_parser("list", help="the profiles, each with its policy in a sentence")
    listed.add_argument("--client", metavar="CLIENT_ID", help="only those it may exchange through")
    listed.add_argument("--audience", metavar="API", help="only those that exchange for this API")
    listed.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="one profile, field by field")
    show.add_argument("id", metavar="ID")
    show.add_argument("--json", action="store_true")
    _fields(actions.add_parser("create", help="create a profile"), creating=True)
    update = actions.add_parser("update", help="change a profile (the fields given only)")
    update.add_argument("id", metavar="ID")
    _fields(update, creating=False)
    delete = actions.add_parser("delete", help="delete a profile")
    delete.add_argument("id", metavar="ID")


def run(args: argparse.Namespace, session: Session) -> int:
    if args.action in ("create", "update"):
        try:
            args.changes = _changes(args)
        except ValueError as exc:
            return fail(str(exc), EXIT_USAGE)
        if args.action == "update" and not args.changes:
            return fail(
                "exchange-profiles update: give --name, --subject-token-type, --action-id, "
                "--client, --audience, --scope-map or --trusted-issuer",
                EXIT_USAGE,
            )
    return run_with_management(args, session, ACTIONS[args.action])


def _listed(values: list[str] | None) -> list[str] | None:
    """A repeated flag's values; `''` alone is the empty list."""
    if values is None:
        return None
    return list(dict.fromkeys(v for v in values if v))


def _changes(args: argparse.Namespace) -> dict:
    """The body the flags name (ValueError for a value that cannot be one)."""
    from m2m_tui.admin.exchange_profiles import scope_map_of, token_type, trusted_issuer

    body: dict = {}
    if args.name is not None:
        body["name"] = args.name
    if args.subject_token_type is not None:
        body["subject_token_type"] = token_type(args.subject_token_type)
    if args.action_id is not None:
        body["action_id"] = args.action_id or None
    for flag, field in (("client", "client_ids"), ("audience", "audiences")):
        values = _listed(getattr(args, flag))
        if values is not None:
            body[field] = values
    if args.scope_map is not None:
        body["scope_map"] = scope_map_of([e for e in args.scope_map if e])
    if args.trusted_issuer is not None:
        body["trusted_issuers"] = [trusted_issuer(t) for t in args.trusted_issuer if t]
    return body


def _print(profile: dict, as_json: bool) -> None:
    from m2m_tui.admin.exchange_profiles import details

    if as_json:
        print(json.dumps(profile, indent=2))
        return
    print(f"{profile['id']}  {profile.get('name', '')}")
    for label, value in details(profile):
        print(f"  {label:<16} {value}")


async def _find(args: argparse.Namespace, mgmt: ManagementClient) -> dict | None:
    """The profile ID names, or None once it was said that there is none."""
    from m2m_tui.admin.management_api import ManagementError

    try:
        return await mgmt.exchange_profile(args.id)
    except ManagementError as exc:
        if exc.status != 404:
            raise
    await _unknown(args.id, mgmt)
    return None


async def _unknown(profile_id: str, mgmt: ManagementClient) -> int:
    known = ", ".join(
        f"{p['id']} ({p.get('name', '')})" for p in await mgmt.token_exchange_profiles()
    )
    return fail(f"no token exchange profile {profile_id!r} (known: {known or 'none'})")


async def _list(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    from m2m_tui.admin.exchange_profiles import concerning_api, concerning_client, sentence

    profiles = await mgmt.token_exchange_profiles()
    if args.client and _unknown_name(
        "client", args.client, [c.get("client_id") for c in await mgmt.clients()]
    ):
        return EXIT_FAILED
    if args.audience and _unknown_name(
        "API", args.audience, [a.get("identifier") for a in await mgmt.resource_servers()]
    ):
        return EXIT_FAILED
    if args.client:
        profiles = concerning_client(profiles, args.client)
    if args.audience:
        profiles = concerning_api(profiles, args.audience)
    if args.json:
        print(json.dumps(profiles, indent=2))
        return EXIT_OK
    if not profiles:
        which = " and ".join(
            f"{kind} {value}"
            for kind, value in (("client", args.client), ("API", args.audience))
            if value
        )
        print(
            f"no token exchange profile concerns {which}" if which else "no token exchange profile"
        )
    for profile in profiles:
        print(f"{profile['id']}  {profile.get('name', '')}\n  {sentence(profile)}")
    return EXIT_OK


def _unknown_name(kind: str, value: str, known: list) -> bool:
    """Whether `value` names no such thing at the tenant (then said, naming those it has)."""
    names = sorted(str(k) for k in known if k)
    if value in names:
        return False
    fail(f"no {kind} {value!r} at this tenant (known: {', '.join(names) or 'none'})")
    return True


async def _show(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    profile = await _find(args, mgmt)
    if profile is None:
        return EXIT_FAILED
    _print(profile, args.json)
    return EXIT_OK


async def _create(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    return _changed("created", await mgmt.create_exchange_profile(args.changes), args.json)


async def _update(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    if await _find(args, mgmt) is None:
        return EXIT_FAILED
    profile = await mgmt.update_exchange_profile(args.id, args.changes)
    return _changed("updated", profile, args.json)


def _changed(verb: str, profile: dict, as_json: bool) -> int:
    """A profile as the Management API answered a change: whole, or its policy in words."""
    from m2m_tui.admin.exchange_profiles import sentence

    if as_json:
        _print(profile, True)
    else:
        print(f"{verb} {profile['id']}  {profile.get('name', '')}\n  {sentence(profile)}")
    return EXIT_OK


async def _delete(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    profile = await _find(args, mgmt)
    if profile is None:
        return EXIT_FAILED
    await mgmt.delete_exchange_profile(args.id)
    clients = ", ".join(profile.get("client_ids") or [])
    tail = f": {clients} may no longer exchange tokens through it" if clients else ""
    print(f"deleted {args.id} ({profile.get('name', '')}){tail}")
    return EXIT_OK


ACTIONS = {"list": _list, "show": _show, "create": _create, "update": _update, "delete": _delete}
