"""`m2m-tui call`: the profile's API, with the profile's token."""

from __future__ import annotations

import argparse
import shlex
import sys

from m2m_tui.commands.common import (
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_USAGE,
    aim,
    exit_for_status,
    fail,
    no_token,
    note,
    open_session,
    organization_flag,
    print_json,
    profile_flag,
    quiet_flag,
    read_pasted,
    token_flags,
)


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "call",
        help="call the profile's API with the profile's token",
        epilog="examples:\n  m2m-tui call /api/directions --param destination='Auth0 Office'\n"
        "  m2m-tui call /api/location/geocode --param address=Paris --json\n"
        "  m2m-tui call /api/directions --param destination=Seattle --print curl\n"
        '  m2m-tui call /api/directions --json \'{"destination": "Seattle"}\'\n'
        "  m2m-tui call /api/directions -X PUT --data @body.txt -H 'X-Trace: 1'\n"
        "  m2m-tui call '/api/routes?from=Paris&to=Seattle' --exchange-as world-mappers\n"
        "    (Gift Deliveries' token exchanged by World Mappers' client: the downstream\n"
        "    call; /api/directions shows the hop World Mappers itself made)\n"
        '  m2m-tui call /api/directions --token "$PASTED"  (not the profile\'s token)\n\n'
        "exit status: 0 for 2xx, 1 for a refusal (4xx), 3 for a network error, a 5xx,\n"
        "a redirect, or an answer that is not JSON",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    profile_flag(parser)
    organization_flag(parser)
    token_flags(parser)
    quiet_flag(parser)
    parser.add_argument(
        "path",
        metavar="PATH",
        nargs="?",  # required; optional here so that `call --json PATH` reads as meant
        help="path (with its query) at the profile's api_base_url, or a full URL",
    )
    parser.add_argument(
        "-X",
        "--method",
        type=str.upper,
        help="the HTTP method (default: GET, or POST with a body, as curl)",
    )
    parser.add_argument(
        "--param", action="append", default=[], metavar="K=V", help="query parameter (repeatable)"
    )
    parser.add_argument(
        "--token",
        metavar="TOKEN",
        help="send this token instead of the profile's, or - to read it from stdin; "
        "pasted text is cleaned first (quotes, `Bearer `, line breaks), and said so",
    )
    parser.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="a request header (repeatable); one named Authorization replaces the "
        "profile's token (a pasted one)",
    )
    parser.add_argument(
        "-d",
        "--data",
        action="append",
        metavar="DATA",
        help="the request body, sent as is, form-encoded unless --header names a "
        "Content-Type; @FILE reads a file, @- standard input (repeated: joined with &)",
    )
    parser.add_argument(
        "--json",
        nargs="?",
        const=OUTPUT_JSON,
        metavar="DATA",
        help="with DATA (or @FILE, @-): send it as a JSON body, as curl's --json; "
        "alone: print {status, headers, body, duration_ms}",
    )
    parser.add_argument(
        "--print",
        choices=("curl", "httpie"),
        dest="print_as",
        help="print the equivalent command instead of sending",
    )
    parser.add_argument(
        "--show-secrets", action="store_true", help="with --print: include the real token"
    )
    parser.add_argument(
        "--exchange-as",
        metavar="PROFILE",
        help="call with the profile's token exchanged (RFC 8693) by PROFILE's client for "
        "PROFILE's audience, at PROFILE's api_base_url (a path) : the call World Mappers "
        "makes downstream, e.g. `call '/api/routes?from=Paris&to=Seattle' --exchange-as "
        "world-mappers`",
    )


OUTPUT_JSON = object()  # `--json` alone: the answer as JSON, not a body to send


def request_parts(args: argparse.Namespace) -> tuple[str, dict[str, str], str | None]:
    """(method, headers, body) from -X, -H, --data and --json, as curl reads them.
    Raises RequestPartError."""
    from m2m_tui.api.request_parts import (
        RequestPartError,
        check_json,
        parse_headers,
        read_data,
        with_defaults,
    )

    body, is_json = None, False
    if args.data is not None and args.json_body is not None:
        raise RequestPartError("give the body once: --data or --json, not both")
    if args.data is not None:
        body = "&".join(read_data(item) for item in args.data)
    elif args.json_body is not None:
        body, is_json = check_json(read_data(args.json_body)), True
    headers = with_defaults(parse_headers(args.header), body, is_json)
    if is_json and not any(k.lower() == "accept" for k in headers):
        headers["Accept"] = "application/json"
    return args.method or ("POST" if body is not None else "GET"), headers, body


def untangle_json(args: argparse.Namespace) -> None:
    """`--json` is both curl's (send this JSON) and this tool's (print the answer as
    JSON). `call --json /api/x` gave the path to --json: give it back."""
    args.json_body = None
    if args.json is OUTPUT_JSON or args.json is None:
        args.json = args.json is OUTPUT_JSON
        return
    if args.path is None:
        args.path, args.json = args.json, True
        return
    args.json_body, args.json = args.json, False


def run(args: argparse.Namespace) -> int:
    import asyncio

    from m2m_tui.api.request_parts import RequestPartError

    untangle_json(args)
    if args.path is None:
        return fail("call needs the PATH (or URL) to call", EXIT_USAGE)
    try:
        args.method, args.headers, args.body = request_parts(args)
    except RequestPartError as exc:
        return fail(str(exc), EXIT_USAGE)
    params = []
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            return fail(f"--param takes k=v, not {item!r}", EXIT_USAGE)
        params.append((key, value))
    session = open_session(args)
    if isinstance(session, int):
        return session
    if args.exchange_as:
        aimed_at = _aim_at_acting(args, session)
        if aimed_at is not None:
            return aimed_at
    aimed = aim(args, session, args.path)
    if isinstance(aimed, int):
        return aimed
    path, query = aimed
    return asyncio.run(_call(args, session, path, merged_query(query, params)))


def merged_query(query: list, params: list) -> list:
    """The path's query as typed, each name given with --param replaced by its values
    (said on stderr: a silent override hides which value went)."""
    from m2m_tui.api.query import shown, with_overrides

    pairs, replaced = with_overrides(query, params)
    for name in dict.fromkeys(k for k, _ in replaced):
        was = ", ".join(shown(p) for p in replaced if p[0] == name)
        now = ", ".join(shown(p) for p in params if p[0] == name)
        warn(f"--param {now} replaces {was} from the path")
    return pairs


def warn(message: str) -> None:
    print(f"m2m-tui: warning: {message}", file=sys.stderr)


async def warn_unknown_params(session, method: str, path: str, pairs: list) -> None:
    """A query parameter the endpoint does not take is ignored by the API without a word:
    say so before sending, from what the API's OpenAPI document (or the built-in table)
    lists, with the name probably meant."""
    import difflib

    if not pairs:
        return
    await session.load_api()
    endpoint = next((e for e in session.endpoints if e.path == path and e.method == method), None)
    if endpoint is None:
        return  # an endpoint the API does not describe: nothing to compare with
    known = [p.name for p in endpoint.params]
    takes = f"it takes {', '.join(known)}" if known else "it takes no query parameters"
    for name in dict.fromkeys(k for k, _ in pairs if k not in known):
        close = difflib.get_close_matches(name, known, n=1)
        meant = f"; did you mean {close[0]}?" if close else ""
        warn(
            f"{method} {path} has no query parameter {name!r} ({takes}, per "
            f"{session.endpoints_source}): the API will ignore it{meant}"
        )


async def _call(args: argparse.Namespace, session, path: str, params: list) -> int:
    from m2m_tui.api.client import ApiCall, ApiEndpoint, send
    from m2m_tui.transcript import describe_odd_answer

    await warn_unknown_params(session, args.method, path, params)
    call = ApiCall(
        session.profile.api_base_url,
        ApiEndpoint(args.method, path, None, ""),
        params,
        args.headers,
        args.body,
    )
    token = None
    cached = False
    from m2m_tui.api.request_parts import replaced_credentials

    if args.token is not None:
        pasted = read_pasted(args.token)
        if pasted is None or not pasted.token:
            return fail("--token is empty: pass the token, or - to read it from stdin", EXIT_USAGE)
        token = pasted.token
    elif replaced := replaced_credentials(args.headers):
        token = "unused"  # the user's own credential goes instead: no token is minted
        note(args, f"note: sending your {' and '.join(replaced)} header, not the profile's token")
    elif args.print_as and not args.show_secrets and not session.profile.dpop:
        token = "placeholder"  # masked anyway: no need to mint a token just to print
    else:
        outcome = await session.get_token()
        if not outcome.ok:
            return no_token(outcome)
        token = outcome.access_token
        cached = outcome.from_cache
        if args.exchange_as:
            outcome = await session.exchanges.exchange(args.exchange_as, token)
            if not outcome.ok:
                return await _exchange_refused(session, outcome)
            token, cached = outcome.access_token, False
            from m2m_tui.tokens.act_chain import chain_sentence
            from m2m_tui.tokens.decoded import NotAJwt, decode

            try:
                chain = chain_sentence(decode(token).payload)
            except NotAJwt:
                chain = None
            note(args, f"exchanged as {args.exchange_as}: {chain or 'no act in the token'}")
    key, nonces = session.bound_key(token), session.nonces
    if args.exchange_as:  # the acting client holds the exchanged token, and its key
        key, nonces = session.exchanges.bound_key(args.exchange_as, token), session.exchanges.nonces
    if args.print_as:
        # A DPoP proof must hash the real token (ath), so one was minted even to print.
        if args.print_as == "curl":
            print(call.to_curl(token, reveal=args.show_secrets, dpop=key))
        else:
            print(to_httpie(call, token, args.show_secrets, key))
        if key is not None:
            note(
                args,
                "note: the DPoP proof above is single-use and valid for about a minute "
                "(RFC 9449): run the command now, and print a new one for the next call",
            )
        return EXIT_OK
    async with session.client() as client:
        result = await send(call, token, client, session.timeout, key, nonces)
        downstream = None
        if not getattr(args, "quiet", False):
            from m2m_tui.api.downstream_hop import downstream_of

            # The hop is fetched as the call was made: same token, same key.
            downstream = await downstream_of(
                call, result, token, client, session.timeout, key, nonces
            )
    if result.status is None:
        return fail(result.error or "the call failed", EXIT_NETWORK)
    exchange = result.exchange
    if args.json:
        body = exchange.json()
        print_json(
            {
                "status": exchange.status,
                "headers": exchange.response_headers,
                "body": body if body is not None else exchange.response_text,
                "duration_ms": round(exchange.duration_ms, 1),
                **linked_hop(downstream, body),
            }
        )
    else:
        if not getattr(args, "quiet", False):
            print(
                f"{exchange.status} {exchange.method} {exchange.url} "
                f"({exchange.duration_ms:.0f} ms)",
                file=sys.stderr,
            )
            challenge = exchange.response_headers.get("www-authenticate")
            if challenge:
                print(f"WWW-Authenticate: {challenge}", file=sys.stderr)
        print(exchange.response_text)
        show_downstream(downstream)
    if exchange.status == 401 and not getattr(args, "quiet", False):
        from m2m_tui.commands.call_hints import refusal_hint

        hint = refusal_hint(
            exchange.response_text,
            cached,
            args.exchange_as or session.profile.name,
            args.path,
            _callers(session, args.exchange_as or session.profile.name),
        )
        if hint:
            print(hint, file=sys.stderr)
    if odd := describe_odd_answer(exchange):
        print(f"m2m-tui: warning: {odd}", file=sys.stderr)
        return EXIT_NETWORK  # a redirect, a 5xx or not JSON: the server's fault
    return exit_for_status(exchange.status)


def _callers(session, acting: str) -> list[str]:
    """The config's profiles a caller's token could come from, for `acting` to exchange:
    those of the same issuer for another API (not the Management API)."""
    profiles = session.config.profiles
    me = profiles.get(acting)
    if me is None:
        return []
    return [
        name
        for name, p in profiles.items()
        if name != acting
        and p.issuer == me.issuer
        and p.audience != me.audience
        and not (p.audience or "").rstrip("/").endswith("/api/v2")
    ]


def to_httpie(call, token: str | None, reveal: bool, dpop=None) -> str:
    from m2m_tui.api.query import as_pairs

    pairs = as_pairs(call.params)
    bare = any(v is None for _, v in pairs)  # httpie's `name==` sends `name=`: keep the URL's
    url = call.url if bare else call.base_url.rstrip("/") + call.endpoint.path
    parts = ["http", call.endpoint.method, url]
    if call.body is not None:
        parts.insert(1, f"--raw={call.body}")
    for name, value in call.shown_headers(token, reveal, dpop).items():
        parts.append(f"{name}:{value}")
    if not bare:
        parts += [f"{k}=={v}" for k, v in pairs]  # a repeated name is repeated, as sent
    return " ".join(shlex.quote(p) for p in parts)


def _aim_at_acting(args: argparse.Namespace, session) -> int | None:
    """`--exchange-as`: a path is called at the acting profile's API, the one its token is
    for. None when aimed; else the exit code, after saying why."""
    from dataclasses import replace

    from m2m_tui.config.file import ConfigError

    try:
        acting = session.exchanges.profile(args.exchange_as)
    except ConfigError as exc:
        return fail(str(exc), EXIT_USAGE)
    if acting.api_base_url:
        session.use(replace(session.profile, api_base_url=acting.api_base_url))
    return None


async def _exchange_refused(session, outcome) -> int:
    """A refused exchange, said and diagnosed as `exchange` says it."""
    from m2m_tui.commands.common import no_token, print_rich, request_view
    from m2m_tui.session.request_diagnosis import diagnose_refusal

    code = no_token(outcome)
    try:
        found = await diagnose_refusal(session, outcome)
    except Exception:  # the diagnosis is extra: the refusal itself was said
        return code
    if found is not None:
        print_rich(request_view(found), file=sys.stderr)
    return code


def show_downstream(downstream) -> None:
    """An answer's downstream hop (World Mappers' directions, by the Routes API): drawn on
    stderr, as World Mappers received it, or why it is not; the body stays on stdout."""
    if downstream is None:
        return
    from m2m_tui.api.downstream import hop_missing_line, hop_view
    from m2m_tui.commands.common import print_rich

    if downstream.hop is not None:
        print_rich(hop_view(downstream.hop), file=sys.stderr)
    else:
        print_rich(hop_missing_line(downstream.reason, downstream.url), file=sys.stderr)


def linked_hop(downstream, body: object) -> dict:
    """`--json`: the hop a success links to, beside the body (a 502's body holds its own)."""
    if downstream is None or (isinstance(body, dict) and "downstream" in body):
        return {}
    if downstream.hop is None:
        return {"downstream_unavailable": downstream.reason}
    return {"downstream": downstream.record}
