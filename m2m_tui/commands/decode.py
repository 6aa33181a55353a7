"""`m2m-tui decode` (no network) and `m2m-tui verify` (the issuer's JWKS and the claims)."""

from __future__ import annotations

import argparse
import sys

from m2m_tui.commands.common import (
    EXIT_FAILED,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_USAGE,
    fail,
    is_terminal,
    load_profile,
    no_token,
    note,
    open_session,
    print_json,
    profile_flag,
    read_pasted,
)
from oauth_primitives.rules.closed_sets import LEEWAY


def add_parsers(commands) -> None:
    decode = commands.add_parser(
        "decode",
        help="show a token's header and claims, each explained (no network)",
        epilog="examples:\n  m2m-tui decode eyJhbGciOi...\n  m2m-tui token | m2m-tui decode\n"
        "  m2m-tui decode - --json < token.txt",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    decode.add_argument("token", nargs="?", metavar="TOKEN", help="the token, or - for stdin")
    decode.add_argument("--json", action="store_true")

    verify = commands.add_parser(
        "verify",
        help="check a token's signature (discovery + JWKS) and claims; exit 0 or 1",
        epilog="examples:\n  m2m-tui verify --audience urn:worldmappers TOKEN\n"
        '  m2m-tui token | m2m-tui verify --issuer "$ISSUER" --json   (pin the issuer)',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument(
        "token",
        nargs="?",
        metavar="TOKEN",
        help="the token, or - for stdin (default: the profile's token, checked against the "
        "profile's issuer and audience)",
    )
    verify.add_argument(
        "--issuer",
        metavar="URL",
        help="the issuer to trust (default: the token's own iss, said so)",
    )
    verify.add_argument(
        "--audience",
        metavar="A",
        help="required audience (default: the profile's audience, however the token is "
        "given; '' checks none)",
    )
    verify.add_argument(
        "--leeway",
        type=float,
        default=LEEWAY,
        metavar="S",
        help=f"clock tolerance in seconds (default {LEEWAY:g}; never hidden)",
    )
    verify.add_argument("--json", action="store_true")
    profile_flag(verify)


def _token(args: argparse.Namespace):
    pasted = read_pasted(args.token)
    if pasted is None or not pasted.token:
        fail("no token: pass TOKEN, or - to read it from stdin", EXIT_USAGE)
        return None
    return pasted


def run_decode(args: argparse.Namespace) -> int:
    from m2m_tui.tokens.decoded import (
        NotAJwt,
        decode,
        describe_claims,
        describe_header,
        seconds_left,
    )

    pasted = _token(args)
    if pasted is None:
        return EXIT_USAGE
    try:
        token = decode(pasted.token)
    except NotAJwt as exc:
        return fail(f"not a JWT: {exc}")
    rows, header_rows = describe_claims(token), describe_header(token)
    if args.json:
        print_json(
            {
                "cleaned": list(pasted.removed),
                "header": token.header,
                "payload": token.payload,
                "explained": {r.name: r.meaning for r in rows},
                "header_explained": {r.name: r.meaning for r in header_rows},
                "expires_in": seconds_left(token),
            }
        )
        return EXIT_OK
    if is_terminal():
        from rich.console import Console

        from m2m_tui.views import claims_table, expiry_line

        out = Console()
        out.print(expiry_line(token))
        out.print(claims_table(header_rows, "Header"))
        out.print(claims_table(rows, "Claims"))
        return EXIT_OK
    for title, table in (("header", header_rows), ("claims", rows)):
        print(f"# {title}")
        for row in table:
            print(f"{row.name}\t{row.value}\t{row.meaning}")
    return EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    import asyncio

    pasted = read_pasted(args.token)
    if args.token is None and (pasted is None or not pasted.token):
        # Nothing given: the profile's own token, as introspect takes it, checked against
        # the profile's issuer (pinned) and audience unless the flags say otherwise.
        return asyncio.run(_verify_profiles_token(args))
    if pasted is None or not pasted.token:
        return fail("no token: pass TOKEN, or - to read it from stdin", EXIT_USAGE)
    if args.audience is None:
        # A token given (TOKEN, -, a pipe) is checked for the audience the profile's own
        # would be: which way it arrived must not change what "valid" means.
        loaded = load_profile(args)
        if isinstance(loaded, int):
            return loaded
        profile = loaded[1]
        args.audience = profile.audience
        if profile.audience:
            note(
                args,
                f"note: checking aud against profile {profile.name}'s audience "
                f"{profile.audience} (--audience names another, --audience '' none)",
            )
    args.audience = args.audience or None
    return asyncio.run(_verify(args, pasted.token))


async def _verify_profiles_token(args: argparse.Namespace) -> int:
    session = open_session(args)
    if isinstance(session, int):
        return session
    outcome = await session.get_token()
    if not outcome.ok:
        return no_token(outcome)
    profile = session.profile
    args.issuer = args.issuer or profile.issuer
    args.audience = profile.audience if args.audience is None else args.audience or None
    note(args, f"verifying profile {profile.name}'s token")
    return await _verify(args, outcome.access_token)


async def _verify(args: argparse.Namespace, raw: str) -> int:
    import httpx

    from m2m_tui.diagnosis.token_checks import Expectations, run_checks
    from m2m_tui.oauth.jwks import fetch_jwks
    from m2m_tui.tokens.decoded import NotAJwt, decode
    from oauth_primitives.rules.access_token import Policy

    try:
        claimed = decode(raw).payload.get("iss")
    except NotAJwt as exc:
        return fail(f"not a JWT: {exc}")
    issuer = args.issuer or (claimed if isinstance(claimed, str) else None)
    if not issuer:
        return fail("the token has no iss; pass --issuer", EXIT_USAGE)
    if not args.issuer:
        print(
            f"note: trusting the token's own issuer {issuer} (pass --issuer to pin it)",
            file=sys.stderr,
        )
    timeout = getattr(args, "timeout", None) or 10.0
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        try:
            jwks = await fetch_jwks(issuer, client)
        except ValueError as exc:
            return fail(str(exc), EXIT_NETWORK)
    expect = Expectations(Policy(issuer, args.audience, leeway=args.leeway))
    diagnosis = run_checks(raw, expect, jwks)
    checks = [c for c in diagnosis.checks if c.name not in ("typ", "scope")]
    ok = all(c.ok is not False for c in checks) and any(
        c.name == "signature" and c.ok for c in checks
    )
    if args.json:
        print_json(
            {
                "valid": ok,
                "issuer": issuer,
                "failed": [c.name for c in checks if c.ok is False],
                "checks": [
                    {"name": c.name, "ok": c.ok, "detail": c.detail, "fix": c.fix} for c in checks
                ],
            }
        )
    elif is_terminal():
        from rich.console import Console

        from m2m_tui.views import diagnosis_view

        diagnosis.checks = checks
        Console().print(diagnosis_view(diagnosis, f"issuer {issuer}"))
        Console().print("valid" if ok else "INVALID", style="bold green" if ok else "bold red")
    else:
        for c in checks:
            mark = {True: "✓", False: "✗", None: "·"}[c.ok]
            print(f"{mark} {c.name:<9} {c.detail}")
            if c.ok is False and c.fix:
                print(f"  fix: {c.fix}")
        print("valid" if ok else "INVALID")
    return EXIT_OK if ok else EXIT_FAILED
