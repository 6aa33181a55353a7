"""`m2m-tui diagnose`: make the real call, then explain the server's answer."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from m2m_tui.commands.common import (
    EXIT_FAILED,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_USAGE,
    aim,
    exit_for_status,
    fail,
    no_token,
    organization_flag,
    print_rich,
    token_flags,
)

if TYPE_CHECKING:  # parsing arguments must stay cheap: heavy modules load in run()
    from m2m_tui.diagnosis.token_checks import Diagnosis
    from m2m_tui.session.session import Session


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "diagnose",
        help="explain why an API accepts or refuses a token",
        description=(
            "Call ENDPOINT of the profile's API with a token, then check the token the way "
            "the API does (format, alg, kid, signature, iss, aud, exp, nbf, iat, typ, scope) "
            "and set the checks beside the server's answer."
        ),
        epilog=(
            "examples:\n"
            "  m2m-tui diagnose /api/location/geocode?address=Paris\n"
            "  m2m-tui diagnose --token - /api/directions < token.txt\n"
            "  m2m-tui diagnose --json /api/directions?destination=Seattle\n"
            "  m2m-tui diagnose --token-request     (why was my token request refused?)\n\n"
            "exit status (as every command): 0 accepted and the call succeeded,\n"
            "  1 the token was refused, or the request was (a 4xx: a missing parameter,\n"
            "    an unknown path; --json's outcome tells which), 2 usage or configuration,\n"
            "  3 network or server error (no answer, TLS, a timeout, a 5xx)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "endpoint",
        metavar="ENDPOINT",
        nargs="?",
        help="path (with its query) at the profile's api_base_url, or a full URL (then "
        "that server is asked, and its own metadata read)",
    )
    what.add_argument(
        "--token-request",
        action="store_true",
        help="diagnose the profile's token request instead of an API call: send a new one, "
        "and show what was sent, what the authorization server answered, each check "
        "against its metadata, and the cause and the fix of a refusal",
    )
    parser.add_argument(
        "--token",
        metavar="TOKEN",
        help="the token to diagnose, or - to read it from stdin "
        "(default: the profile's token, cached or new)",
    )
    parser.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS)
    organization_flag(parser)
    token_flags(parser)
    parser.add_argument("--method", default="GET", type=str.upper)
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace, session: Session) -> int:
    import asyncio

    if args.token_request:
        if args.token:
            return fail(
                "--token-request sends a new token request: it takes no --token", EXIT_USAGE
            )
        return asyncio.run(_diagnose_request(args, session))

    aimed = aim(args, session, args.endpoint)
    if isinstance(aimed, int):
        return aimed
    raw = args.token
    if raw == "-":
        raw = sys.stdin.read().strip()
    return asyncio.run(_diagnose(args, session, raw, *aimed))


async def _diagnose_request(args: argparse.Namespace, session: Session) -> int:
    """A new token request, explained: refused or issued, what was sent and checked."""
    from m2m_tui.commands.common import exit_for_token_error, request_view
    from m2m_tui.session.request_diagnosis import diagnose_refusal

    outcome = await session.get_token(force=True)
    found = await diagnose_refusal(session, outcome, issued_too=True)
    if found is None:  # no request went out, or no answer came: said as `token` says it
        return no_token(outcome)
    if args.json:
        print(json.dumps(found.to_json(), indent=2))
    else:
        print_rich(request_view(found))
    return EXIT_OK if outcome.ok else exit_for_token_error(outcome.error)


async def _diagnose(
    args: argparse.Namespace, session: Session, raw: str | None, path: str, params: list
) -> int:
    if raw is None:
        outcome = await session.get_token()
        if not outcome.ok:
            return no_token(outcome)
        raw = outcome.access_token
    from m2m_tui.api.client import ApiEndpoint

    await session.load_api()
    endpoint = next(
        (e for e in session.endpoints if e.path == path and e.method == args.method),
        ApiEndpoint(args.method, path, None, ""),
    )
    diagnosis, result = await session.explainer.diagnose(raw, endpoint, params)
    if result.status is None:
        if diagnosis.causes:  # the call failed for a reason the diagnosis can name
            if args.json:
                print(json.dumps(diagnosis.to_json(), indent=2))
            else:
                print_checklist(diagnosis, f"{endpoint.method} {result.exchange.url}")
        return fail(result.error or "the call failed", EXIT_NETWORK)
    if args.json:
        print(json.dumps(diagnosis.to_json(), indent=2))
    else:
        print_checklist(diagnosis, f"{endpoint.method} {result.exchange.url}")
    if diagnosis.verdict == "rejected":
        return EXIT_FAILED
    if 300 <= result.status < 400:  # a redirect not followed to an answer: a loop
        return EXIT_NETWORK
    return exit_for_status(result.status) if diagnosis.outcome == "request_failed" else EXIT_OK


def print_checklist(diagnosis: Diagnosis, target: str) -> None:
    from m2m_tui.views import diagnosis_view

    print_rich(diagnosis_view(diagnosis, target))
