"""`m2m-tui introspect` (RFC 7662) and `m2m-tui revoke` (RFC 7009): ask the profile's
authorization server what a token is, or revoke it, with the profile's client
authentication."""

from __future__ import annotations

import argparse
import sys

from m2m_tui.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    exit_for_token_error,
    fail,
    load_profile,
    no_token,
    note,
    print_json,
    profile_flag,
    quiet_flag,
    read_pasted,
)


def add_parsers(commands) -> None:
    introspect = commands.add_parser(
        "introspect",
        help="ask the authorization server whether a token is active, and what it may do",
        description="RFC 7662 token introspection with the profile's client credentials. "
        "The endpoint is found by discovery (introspection_endpoint) unless --endpoint "
        "names it. Without TOKEN: the profile's cached token (never a new one unasked: "
        "--new requests one). Which token was asked about is said on stderr.",
        epilog="examples:\n  m2m-tui introspect\n  m2m-tui token | m2m-tui introspect -\n"
        "  m2m-tui introspect --new\n"
        "  m2m-tui introspect --json TOKEN\n\n"
        "exit status: 0 active, 1 not active (or the server refused this client),\n"
        "  2 usage or configuration, 3 network or server error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    revoke = commands.add_parser(
        "revoke",
        help="revoke a token (RFC 7009) and drop it from the cache",
        description="RFC 7009 token revocation with the profile's client credentials. The "
        "endpoint is found by discovery (revocation_endpoint) unless --endpoint names it. "
        "Without TOKEN: the profile's cached token. An API that introspects refuses a "
        "revoked token at once; one that only validates the JWT accepts it until its exp.",
        epilog="examples:\n  m2m-tui revoke\n  m2m-tui revoke - < token.txt\n\n"
        "exit status: 0 revoked, 1 the server refused, 2 usage or configuration,\n"
        "  3 network or server error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for parser in (introspect, revoke):
        parser.add_argument("token", nargs="?", metavar="TOKEN", help="the token, or - for stdin")
        parser.add_argument("--endpoint", metavar="URL", help="the endpoint, not by discovery")
        profile_flag(parser)
        quiet_flag(parser)
    introspect.add_argument("--json", action="store_true", help="the introspection response")
    introspect.add_argument(
        "--new", action="store_true", help="request a new token for the profile, and ask about it"
    )


def run_introspect(args: argparse.Namespace) -> int:
    return _run(args, "introspect")


def run_revoke(args: argparse.Namespace) -> int:
    return _run(args, "revoke")


def _run(args: argparse.Namespace, what: str) -> int:
    import asyncio

    loaded = load_profile(args)
    if isinstance(loaded, int):
        return loaded
    config, profile, state_dir = loaded
    from m2m_tui.session.session import Session

    session = Session(config, state_dir, profile, timeout=getattr(args, "timeout", None))
    if what == "introspect" and args.new and args.token is not None:
        return fail("give TOKEN or --new, not both", EXIT_USAGE)
    pasted = None if getattr(args, "new", False) else read_pasted(args.token)
    token = pasted.token if pasted is not None else None
    source = "read from stdin" if args.token in ("-", None) else "given on the command line"
    if args.token is None and not token:
        token = None  # nothing on stdin either: the profile's own token
    if token is None and what == "revoke":
        cached = session.cache.peek(profile)
        if cached is None:
            return fail(
                f"no cached token for profile {profile.name}: give the token to revoke "
                "(TOKEN, or - for stdin)",
                EXIT_USAGE,
            )
        token = cached.access_token
    if token is None and what == "introspect" and not args.new:
        held = session.status.held()
        if held is None:
            return fail(
                f"no token to introspect: profile {profile.name} has no cached token (a "
                "revoke drops it). Give one: `introspect TOKEN`, `introspect -` (stdin), "
                "or `introspect --new` to request a new one",
                EXIT_USAGE,
            )
        token, source = held
    if token is not None and not token.strip():
        return fail("the token is empty", EXIT_USAGE)
    return asyncio.run(_ask(args, session, token, what, source))


async def _ask(args: argparse.Namespace, session, token: str | None, what: str, source: str) -> int:
    from m2m_tui.session.token_status import which_token

    if token is None:  # introspect --new: asked for a new token
        outcome = await session.get_token(force=True)
        if not outcome.ok:
            return no_token(outcome)
        token, source = outcome.access_token, "a new token (--new)"
    token = token.strip()
    if what == "revoke":
        answer, dropped = await session.status.revoke(token, args.endpoint)
    else:
        # Which token, and whose: "active" answers for this one alone.
        note(args, f"introspecting {which_token(token)}: {source}")
        answer = await session.status.introspect(token, args.endpoint)
    if not answer.ok:  # a missing secret is "configuration": exit 2
        return fail(answer.description, exit_for_token_error(answer.error))
    if what == "revoke":
        note(
            args,
            f"revoked {which_token(token)} at {answer.endpoint}"
            + ("; dropped from the cache" if dropped else "")
            + ". An API that introspects refuses it from now on; one that only validates "
            "the JWT (the bundled API does) accepts it until it expires.",
        )
        return EXIT_OK
    body = answer.body or {}
    if args.json:
        print_json(body)
    else:
        _print_introspection(body)
    return EXIT_OK if body.get("active") is True else EXIT_FAILED


def _print_introspection(body: dict) -> None:
    from m2m_tui.tokens.decoded import describe_time

    if body.get("active") is not True:
        print("active: false (the server does not say why: expired, revoked, or not its own)")
        return
    print("active: true")
    for name in ("scope", "client_id", "token_type", "sub", "aud", "iss", "exp", "iat", "cnf"):
        if name not in body:
            continue
        value = body[name]
        if name in ("exp", "iat") and isinstance(value, int | float):
            value = f"{value} ({describe_time(name, value)})"
        print(f"{name}: {value}", file=sys.stdout)
