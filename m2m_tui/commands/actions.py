"""`m2m-tui actions …` and `m2m-tui preview`: Auth0's credentials-exchange Actions from
the shell, on the bundled tenant or a real Auth0 tenant (its management profile), and
the next token before it exists, with the API's verdict on it."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from m2m_tui.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    client_id_flag,
    fail,
    run_with_management,
)

if TYPE_CHECKING:  # parsing arguments must stay cheap: heavy modules load in run()
    from m2m_tui.admin.management_api import ManagementClient
    from m2m_tui.session.session import Session

STARTER = """/**
 * A credentials-exchange Action: runs before every client_credentials token is returned.
 * @param {Event} event - the request: event.client, event.resource_server, event.request,
 *   event.accessToken.scope, event.organization, event.secrets
 * @param {CredentialsExchangeAPI} api - api.accessToken.setCustomClaim(name, value),
 *   api.access.deny(code, reason) with code invalid_request, invalid_scope or server_error
 */
exports.onExecuteCredentialsExchange = async (event, api) => {
  api.accessToken.setCustomClaim(%s, %s);
};
"""


def add_parsers(commands) -> None:
    actions = commands.add_parser(
        "actions",
        help="write, test, deploy and bind credentials-exchange Actions (Auth0's M2M flow)",
        description="Credentials-exchange Actions run before every client_credentials token\n"
        "is returned: JavaScript that may add claims (api.accessToken.setCustomClaim) or\n"
        "refuse the token (api.access.deny). Through the issuer's management profile, on\n"
        "the bundled tenant or a real Auth0 tenant. Tests run here, in Node.js.\n\n"
        "`actions new FILE` writes a starter Action.",
        epilog="examples:\n"
        "  m2m-tui actions new tier.js --claim https://worldmappers.example/tier=gold\n"
        "  m2m-tui actions test tier.js\n"
        "  m2m-tui actions deploy tier.js --bind\n"
        "  m2m-tui preview\n"
        "  m2m-tui actions list\n"
        "  m2m-tui actions unbind tier",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS)
    steps = actions.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = steps.add_parser("new", help="write a starter Action to FILE (it sets one claim)")
    new.add_argument("file", metavar="FILE")
    new.add_argument(
        "--claim",
        default="https://example.com/tier=gold",
        metavar="NAME=VALUE",
        help="the claim it sets (default https://example.com/tier=gold)",
    )
    listing = steps.add_parser("list", help="the Actions, deployed or not, and which are bound")
    listing.add_argument("--json", action="store_true")
    deploy = steps.add_parser(
        "deploy", help="create or update the Action from FILE and deploy it (the name: FILE's stem)"
    )
    deploy.add_argument("file", metavar="FILE")
    deploy.add_argument("--name", help="the Action's name (default: the file's name, no .js)")
    deploy.add_argument("--bind", action="store_true", help="bind it too (last in the flow)")
    for name, text in (
        ("bind", "bind a deployed Action (last in the flow)"),
        ("unbind", "take an Action out of the flow"),
    ):
        step = steps.add_parser(name, help=text)
        step.add_argument("name", metavar="ACTION", help="its name or id")
    test = steps.add_parser(
        "test", help="run FILE here on a sample event: the claims it would set, or its denial"
    )
    test.add_argument("file", metavar="FILE")
    test.add_argument(
        "--client", metavar="ID", help="the client in the event (default: the profile's)"
    )
    _secret_env(test)
    test.add_argument("--json", action="store_true")

    preview = commands.add_parser(
        "preview",
        help="the next token before it exists: its claims, where each comes from, and the "
        "API's verdict on it per endpoint",
        description="Reads the API's settings, the client's grant and the bound Actions\n"
        "through the Management API (the bundled tenant or a real Auth0 tenant), runs the\n"
        "Actions here in Node.js, and judges the token with the API's rules.",
        epilog="examples:\n  m2m-tui preview\n  m2m-tui preview --json\n"
        "  m2m-tui preview --client-id other-client   (another client's token, or refusal)\n"
        "  TIER_KEY=… m2m-tui preview --secret-env TIER_KEY   (Action secrets are write-only)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    preview.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS)
    client_id_flag(preview)
    _secret_env(preview)
    preview.add_argument("--json", action="store_true")


def _secret_env(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--secret-env",
        action="append",
        default=[],
        metavar="NAME[=VAR]",
        help="an Action secret's value, from the environment variable VAR (default: NAME); "
        "never a flag's value, which every user of the machine can read",
    )


def _new(args: argparse.Namespace) -> int:
    name, _, value = args.claim.partition("=")
    if not name or not _:
        return fail("--claim takes NAME=VALUE", EXIT_USAGE)
    path = Path(args.file)
    if path.exists():
        return fail(f"{path} exists: not overwritten", EXIT_USAGE)
    try:
        path.write_text(STARTER % (json.dumps(name), json.dumps(value)), encoding="utf-8")
    except OSError as exc:
        return fail(f"cannot write {path}: {exc}", EXIT_USAGE)
    print(f"wrote {path}: edit it, then `m2m-tui actions test {path}`")
    return EXIT_OK


def _secrets(given: list[str]) -> dict[str, str] | str:
    """Action secrets from the environment (`NAME` or `NAME=VAR`), or what is wrong."""
    import os

    secrets = {}
    for item in given:
        name, _, variable = item.partition("=")
        variable = variable or name
        if not name or not variable:
            return f"--secret-env takes NAME or NAME=VAR, not {item!r}"
        if variable not in os.environ:
            return f"--secret-env {item}: the environment has no {variable}"
        secrets[name] = os.environ[variable]
    return secrets


def run(args: argparse.Namespace, session: Session) -> int:
    secrets = _secrets(getattr(args, "secret_env", []))
    if isinstance(secrets, str):
        return fail(secrets, EXIT_USAGE)
    args.secrets = secrets
    if args.command == "preview":
        return run_with_management(args, session, lambda a, m: _preview(a, m, session))
    if args.action == "new":
        return _new(args)
    if args.action in ("deploy", "test"):
        path = Path(args.file)
        try:
            args.code = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return fail(f"cannot read {path}: {exc}", EXIT_USAGE)
        args.name = getattr(args, "name", None) or path.name.removesuffix(".js")
    if args.action == "test":
        return _test(args, session)
    return run_with_management(args, session, _actions)


async def _actions(args: argparse.Namespace, mgmt: ManagementClient) -> int:
    bound = [b["action"]["id"] for b in await mgmt.bindings()]
    if args.action == "list":
        found = await mgmt.actions()
        if args.json:
            print(json.dumps([{**a, "bound": a["id"] in bound} for a in found], indent=2))
            return EXIT_OK
        for a in found:
            version = (a.get("deployed_version") or {}).get("number")
            state = f"deployed v{version}" if version else "never deployed"
            if version and not a.get("all_changes_deployed", True):
                state += ", draft changed since"
            place = f"bound #{bound.index(a['id']) + 1}" if a["id"] in bound else "not bound"
            print(f"{a['name']}  {state}  {place}  ({a['id']})")
        if not found:
            print(
                "no Actions yet: write one (see `m2m-tui actions --help`), then "
                "`m2m-tui actions deploy FILE --bind`",
                file=sys.stderr,
            )
        return EXIT_OK
    if args.action == "deploy":
        from m2m_tui.admin.management_api import ManagementError

        try:
            version, before, now = await mgmt.deploy(args.name, args.code, args.bind)
        except ManagementError as exc:
            if exc.status != 400:
                raise
            # The tenant's own words (where in the code, and why), under the file's name.
            return fail(f"{args.file} was not deployed: {exc.message}", EXIT_FAILED)
        print(f"deployed {args.name} as version {version['number']}")
        if now and not before:
            print(f"bound {args.name}: it runs before every client_credentials token")
        elif not now:
            print(f"not bound: `m2m-tui actions bind {args.name}` puts it in the flow")
        return EXIT_OK
    action = await mgmt.find_action(args.name)
    if action is None:
        return fail(f"no Action named {args.name!r}: `m2m-tui actions list`", EXIT_FAILED)
    if args.action == "bind":
        if action["id"] in bound:
            print(f"{action['name']} is bound already (#{bound.index(action['id']) + 1})")
            return EXIT_OK
        await mgmt.set_bindings([*bound, action["id"]])
        print(f"bound {action['name']}: it runs before every client_credentials token")
        return EXIT_OK
    if action["id"] not in bound:
        print(f"{action['name']} is not bound")
        return EXIT_OK
    await mgmt.set_bindings([a for a in bound if a != action["id"]])
    print(f"unbound {action['name']}: tokens no longer pass through it")
    return EXIT_OK


def _test(args: argparse.Namespace, session: Session) -> int:
    """Run the file here, on an event built from the profile (and from the tenant's grant
    when a management profile reaches it): nothing is deployed, nothing is sent."""
    from m2m_tui.preview.action_trial import try_action

    profile = session.profile
    client_id = args.client or profile.client_id
    try:
        result = asyncio.run(try_action(session, args.name, args.code, client_id, args.secrets))
    except Exception as exc:  # NodeMissing, mostly: said plainly
        from actions_runtime.runner import NodeMissing

        if isinstance(exc, NodeMissing):
            return fail(str(exc), EXIT_FAILED)
        raise
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        for line in result.lines():
            print(line)
    return EXIT_FAILED if result.failed else EXIT_OK


async def _preview(args: argparse.Namespace, mgmt: ManagementClient, session: Session) -> int:
    from m2m_tui.views import preview_lines

    await session.load_api()
    found = await session.preview(args.secrets, mgmt)
    if args.json:
        print(json.dumps(found.to_json(), indent=2))
    else:
        from rich.console import Console

        Console(soft_wrap=True).print(preview_lines(found))
    return EXIT_OK if found.issued else EXIT_FAILED
