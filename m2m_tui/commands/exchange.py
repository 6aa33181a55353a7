"""`m2m-tui exchange`: the profile's token exchanged for a token for another API
(OAuth 2.0 Token Exchange, RFC 8693), by another profile's client acting for it."""

from __future__ import annotations

import argparse
import sys

from m2m_tui.commands.common import (
    EXIT_OK,
    EXIT_USAGE,
    explain_no_token,
    fail,
    is_terminal,
    open_session,
    print_json,
    profile_flag,
    quiet_flag,
    read_pasted,
)


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "exchange",
        help="exchange the profile's token for one for another API (RFC 8693)",
        description="Exchange a token (the profile's, or --subject-token) at its issuer "
        "for a token for another API, as an API does that must call the next one on its "
        "caller's behalf: the acting profile's client authenticates, and the new token "
        "names it in `act`. The subject token is sent, never printed.",
        epilog="examples:\n"
        "  m2m-tui exchange --as world-mappers\n"
        "    Gift Deliveries' token (the default profile's) exchanged by World Mappers'\n"
        "    client for the Routes API: world-mappers-api@clients acting for\n"
        "    giftdeliveries@clients\n"
        "  m2m-tui exchange --as world-mappers --scope routes:read --json\n"
        "  m2m-tui exchange --as legacy-bridge --subject-token-type urn:acme:legacy-token \\\n"
        '    --subject-token "$LEGACY" --audience https://api.example.com\n'
        "  ROUTES=http://127.0.0.1:7002   # the bundled Routes API\n"
        '  curl -H "Authorization: Bearer $(m2m-tui exchange --as world-mappers '
        '--token-only)" \\\n'
        '    "$ROUTES/api/routes?from=Paris&to=Seattle"\n'
        "  m2m-tui call '/api/routes?from=Paris&to=Seattle' --exchange-as world-mappers\n"
        "    the same call, the exchange made by call itself\n"
        "  m2m-tui token | m2m-tui exchange --as world-mappers --subject-token -\n\n"
        "exit status: 0 issued, 1 refused (the refusal is diagnosed on stderr), 2 a profile\n"
        "or flag, 3 the network or the server",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    profile_flag(parser)  # the subject token's profile
    quiet_flag(parser)
    parser.add_argument(
        "--as",
        dest="acting",
        metavar="PROFILE",
        required=True,
        help="the acting profile: its client authenticates the exchange, and its audience "
        "is the target unless --audience names another",
    )
    parser.add_argument(
        "--subject-token",
        metavar="TOKEN",
        help="exchange this token instead of the profile's (- reads it from stdin)",
    )
    parser.add_argument(
        "--subject-token-type",
        metavar="TYPE",
        default="access_token",
        help="the subject token's type: access_token (default), jwt, or a URI (Auth0's "
        "Custom Token Exchange matches a profile by its own URI, such as "
        "urn:acme:legacy-token)",
    )
    parser.add_argument("--audience", metavar="API", help="the target API (default: --as's)")
    parser.add_argument(
        "--resource",
        metavar="URI",
        help="the target as an RFC 8707 resource indicator, instead of --audience",
    )
    parser.add_argument("--scope", metavar="SCOPES", help="space-separated scopes to ask for")
    parser.add_argument(
        "--actor-token-from",
        metavar="PROFILE",
        help="send that profile's token as the actor token (RFC 8693 §2.1): the new "
        "token's act names it",
    )
    parser.add_argument(
        "--requested-token-type",
        metavar="TYPE",
        help="access_token (default) or jwt, or a token type URI",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "--json",
        action="store_true",
        help="the token response, with the issued token's claims and act chain",
    )
    output.add_argument(
        "--token-only", action="store_true", help="print the issued token alone (for scripts)"
    )


def run(args: argparse.Namespace) -> int:
    import asyncio

    if not args.acting:
        return fail("exchange needs --as PROFILE, the profile whose client acts", EXIT_USAGE)
    subject = None
    if args.subject_token is not None:
        pasted = read_pasted(args.subject_token)
        if pasted is None or not pasted.token:
            return fail("--subject-token is empty: pass the token, or - for stdin", EXIT_USAGE)
        subject = pasted.token
    session = open_session(args)
    if isinstance(session, int):
        return session
    from m2m_tui.config.file import ConfigError
    from m2m_tui.oauth.token_exchange import token_type

    try:
        for name in filter(None, (args.acting, args.actor_token_from)):
            session.exchanges.profile(name)
    except ConfigError as exc:
        return fail(str(exc), EXIT_USAGE)
    outcome = asyncio.run(
        session.exchanges.exchange(
            args.acting,
            subject,
            audience=args.audience,
            resource=args.resource,
            scope=args.scope,
            subject_token_type=token_type(args.subject_token_type),
            actor_from=args.actor_token_from,
            requested_token_type=token_type(args.requested_token_type)
            if args.requested_token_type
            else None,
        )
    )
    if not outcome.ok:
        return explain_no_token(session, outcome)
    return _print(args, outcome)


def issued_summary(token: str, response: dict) -> dict:
    """What the issued token says that matters here, read from its claims (the answer's
    where the token is opaque)."""
    from m2m_tui.tokens.act_chain import chain_sentence
    from m2m_tui.tokens.decoded import NotAJwt, decode
    from oauth_primitives.token_exchange import read_chain

    try:
        claims = decode(token).payload
    except NotAJwt:
        claims = {}
    return {
        "issued_token_type": response.get("issued_token_type"),
        "sub": claims.get("sub"),
        "aud": claims.get("aud"),
        "scope": claims.get("scope", response.get("scope")),
        "exp": claims.get("exp"),
        "act": claims.get("act"),
        "act_chain": list(read_chain(claims).actors),
        "acting_for": chain_sentence(claims),
    }


def _print(args: argparse.Namespace, outcome) -> int:
    token, response = outcome.access_token, outcome.response or {}
    if args.token_only:
        print(token)
        return EXIT_OK
    summary = issued_summary(token, response)
    if args.json:
        print_json({**response, "access_token": token, "issued": summary})
        return EXIT_OK
    from m2m_tui.oauth.token_exchange import short_type
    from m2m_tui.tokens.decoded import describe_time

    lines = [
        ("issued_token_type", short_type(summary["issued_token_type"])),
        ("aud", summary["aud"] or "-"),
        ("scope", summary["scope"] or "-"),
        ("exp", describe_time("exp", summary["exp"]) if summary["exp"] else "-"),
        ("act", summary["acting_for"] or "none: the token names no actor"),
    ]
    took = f" in {outcome.exchange.duration_ms:.0f} ms" if outcome.exchange else ""
    print(f"exchanged{took}: a token for {summary['aud'] or 'the target'}")
    for name, value in lines:
        print(f"  {name:<18} {value}")
    if is_terminal() and not getattr(args, "quiet", False):
        print(
            "(the token itself: --token-only, or --json; `m2m-tui decode` reads it)",
            file=sys.stderr,
        )
    return EXIT_OK
