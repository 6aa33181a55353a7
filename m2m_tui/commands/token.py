"""`m2m-tui token`: the profile's access token, reused from the cache while it is valid."""

from __future__ import annotations

import argparse
import sys

from m2m_tui.commands.common import (
    EXIT_OK,
    EXIT_USAGE,
    explain_no_token,
    fail,
    is_terminal,
    load_profile,
    note,
    organization_flag,
    print_json,
    profile_flag,
    quiet_flag,
    token_flags,
)


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "token",
        help="print the profile's access token (cached until 60 s before exp)",
        description="Print the access token for the profile. Piped, only the token and a "
        "newline are printed, so $(m2m-tui token) works in a header.",
        epilog="examples:\n"
        '  curl -H "Authorization: Bearer $(m2m-tui token)" '
        '"$API/api/directions?destination=Seattle"\n'
        "    ($API: the profile's api_base_url, `m2m-tui profiles show`)\n"
        "  m2m-tui token --json | jq .expires_in\n"
        "  m2m-tui token --profile auth0 --no-cache",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    profile_flag(parser)
    organization_flag(parser)
    token_flags(parser)
    quiet_flag(parser)
    parser.add_argument("--no-cache", action="store_true", help="always request a new token")
    parser.add_argument(
        "--forget", action="store_true", help="drop the cached token of this profile and exit"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="the full token response (plus from_cache and expires_at); expires_in is "
        "the seconds left, from the cache too",
    )


def run(args: argparse.Namespace) -> int:
    loaded = load_profile(args)
    if isinstance(loaded, int):
        return loaded
    config, profile, state_dir = loaded
    from m2m_tui.oauth.token_cache import TokenCache

    cache = TokenCache(state_dir)
    if args.forget:
        forgot = cache.forget(profile)
        note(args, f"{'forgot' if forgot else 'no'} cached token for {profile.name}")
        return EXIT_OK
    from m2m_tui.config.profiles import (
        SecretUnavailable,
        credential_hint,
        missing_credential,
        resolve_secret,
    )
    from m2m_tui.oauth.token_cache import credential_digest

    # Before the cache: `--client-secret-env UNSET` must not print a cached token and
    # succeed as if the credential had been there.
    missing = missing_credential(profile)
    if missing:
        fail(f"no token: configuration: {missing}", EXIT_USAGE)
        print(f"hint: {credential_hint(profile)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        secret = resolve_secret(profile)
    except SecretUnavailable:
        secret = None  # asked at run time (the app's prompt): the cache may serve
    credential = credential_digest(profile, secret)
    cached, passed_over = (None, None) if args.no_cache else cache.get(profile, credential)
    if cached is not None:
        # The warm path: no HTTP client, no JWT library, just the file. expires_in is
        # what is left of the token's life now, as the human line says, not the 86400
        # the server said when it was issued (a script would wait past its exp).
        import time

        left = max(0, int(cached.expires_at - time.time()))
        return _print(
            args,
            cached.access_token,
            {
                **cached.response,
                "expires_in": left,
                "from_cache": True,
                "expires_at": int(cached.expires_at),
            },
        )
    import asyncio

    from m2m_tui.session.session import Session

    session = Session(config, state_dir, profile, timeout=getattr(args, "timeout", None))
    outcome = asyncio.run(session.get_token(force=True))
    outcome.note = passed_over  # forced: the session did not look in the cache itself
    if not outcome.ok:
        return explain_no_token(session, outcome)
    if passed_over:
        note(args, f"note: {passed_over}")
    cached = session.cache.peek(session.profile)
    expires_at = int(cached.expires_at) if cached else None
    return _print(
        args,
        outcome.access_token,
        {**(outcome.response or {}), "from_cache": False, "expires_at": expires_at},
    )


def _print(args: argparse.Namespace, token: str, response: dict) -> int:
    if args.json:
        body = {"access_token": token, **{k: v for k, v in response.items() if k != "access_token"}}
        body.setdefault("token_type", "Bearer")
        body["dpop_jkt"] = _bound_jkt(token)  # the key's RFC 7638 thumbprint, or null
        print_json(body)
        return EXIT_OK
    print(token)
    if is_terminal():
        import time

        source = "from the cache" if response.get("from_cache") else "new"
        left = (response.get("expires_at") or 0) - time.time()
        from m2m_tui.tokens.decoded import relative

        note(
            args, f"({source}; expires in {relative(left)}; scope: {response.get('scope') or '-'})"
        )
    return EXIT_OK


def _bound_jkt(token: str) -> str | None:
    """cnf.jkt of a DPoP-bound token (RFC 9449 §6.1), read without the JWT library: the
    warm path stays light."""
    import json

    from oauth_primitives import base64url
    from oauth_primitives.rules.access_token import bound_jkt

    try:
        claims = json.loads(base64url.decode(token.split(".")[1]))
    except (IndexError, ValueError):
        return None
    return bound_jkt(claims) if isinstance(claims, dict) else None
