"""What every subcommand shares: exit codes, errors on stderr, the session, output."""

from __future__ import annotations

import argparse
import json
import sys

# Exit status, the same in every command (README, "Exit status"):
#   0  success: the token was issued or accepted, the call succeeded;
#   1  refused or failed: the server said no (a refused token or client, a 4xx), or a
#      check failed (verify, a profile that does not exist);
#   2  usage or configuration: a flag, the config file, a profile that lacks a setting;
#   3  network or server: no answer, TLS, a timeout, a 5xx, a redirect, not JSON.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NETWORK = 0, 1, 2, 3
NETWORK_ERRORS = ("network", "timeout", "tls", "not_json", "server_error", "redirect")


def exit_for_token_error(error: str | None) -> int:
    """A token request that failed: its exit status, from the outcome's `error`."""
    if error in NETWORK_ERRORS:
        return EXIT_NETWORK
    return EXIT_USAGE if error == "configuration" else EXIT_FAILED


def no_token(outcome) -> int:
    """A token request that failed, said the same way by every command (token, call,
    diagnose, introspect, verify): the error, then the hint; its exit status."""
    code = exit_for_token_error(outcome.error)
    fail(f"no token: {outcome.error}: {outcome.description}", code)
    if outcome.note:
        print(f"note: {outcome.note}", file=sys.stderr)
    if outcome.hint:
        print(f"hint: {outcome.hint}", file=sys.stderr)
    return code


def explain_no_token(session, outcome) -> int:
    """`no_token`, and where the server refused the request, its diagnosis on stderr:
    what was sent, what the server answered, each check, the cause and the fix (the
    hint line gives way to the diagnosis's fix)."""
    import asyncio

    from m2m_tui.session.request_diagnosis import diagnose_refusal

    code = no_token(outcome)
    if outcome.error in ("not_json", "redirect"):  # no token endpoint answered: no refusal
        return code
    try:
        found = asyncio.run(diagnose_refusal(session, outcome))
    except Exception:  # the diagnosis is extra: the refusal itself was said
        return code
    if found is not None:
        if found.fix_text == outcome.hint:
            found.fix_text = ""  # said on the hint line already
        print_rich(request_view(found), file=sys.stderr)
    return code


def request_view(found):
    from m2m_tui.diagnosis.token_request.view import request_diagnosis_view

    return request_diagnosis_view(found)


def exit_for_status(status: int) -> int:
    """An HTTP answer's exit status: below 400 success, 4xx refused, 5xx the server's."""
    return EXIT_OK if status < 400 else EXIT_FAILED if status < 500 else EXIT_NETWORK


def fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"m2m-tui: error: {message}", file=sys.stderr)
    return code


def note(args: argparse.Namespace, message: str) -> None:
    """Progress for people, on stderr, silenced by --quiet."""
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)


def load_config_arg(args: argparse.Namespace):
    """The config named by --config (or its defaults), or an exit code after saying why.
    The per-user file is written from the shipped default the first time, and that is
    said once, on stderr (and, for the TUI, in the app: `args.config_notice`)."""
    from m2m_tui.config.file import (
        FROM_USER,
        ConfigError,
        ensure_user_config,
        load_config,
        locate_config,
    )

    path, source = locate_config(args.config)
    try:
        if source == FROM_USER and ensure_user_config(path):
            args.config_notice = f"Wrote the default config to {path}: add your profiles there."
            print(f"m2m-tui: {args.config_notice}", file=sys.stderr)
        return load_config(path, source)
    except ConfigError as exc:
        return fail(str(exc), EXIT_USAGE)


def load_profile(args: argparse.Namespace):
    """(config, profile, state_dir) without the HTTP stack, or an exit code."""
    from m2m_tui.config.file import ConfigError
    from m2m_tui.config.profiles import select_profile
    from m2m_tui.config.state_dir import resolve_state_dir

    config = load_config_arg(args)
    if isinstance(config, int):
        return config
    try:
        profile = select_profile(config, getattr(args, "profile", None))
    except ConfigError as exc:
        return fail(str(exc), EXIT_USAGE)
    organization = getattr(args, "organization", None)
    if organization:  # --organization: this command's token is for that organization
        from dataclasses import replace

        profile = replace(profile, organization=organization)
    return config, overridden(args, profile), resolve_state_dir(args.state_dir)


def overridden(args: argparse.Namespace, profile):
    """The profile with this command's one-off token flags applied (--scope, --audience,
    --resource, --client-id, --client-secret-env), the way oauth2c takes them: the config
    is not touched. An empty value drops the profile's own (`--scope ''`: no scope)."""
    from dataclasses import replace

    from m2m_tui.config.profile import SECRET_METHODS
    from oauth_primitives.rules.closed_sets import AuthMethod

    changes = {}
    for flag in ("scope", "audience", "resource", "client_id"):
        value = getattr(args, f"override_{flag}", None)
        if value is not None:
            changes[flag] = value.strip() or None
    if changes.get("client_id") is None and "client_id" in changes:
        changes.pop("client_id")  # a client has an id: `--client-id ''` changes nothing
    env = getattr(args, "client_secret_env", None)
    if env:
        # By reference, like the sample's AUTH0_CLIENT_SECRET: the secret stays in the
        # environment, never in argv (which `ps` shows) or the profile.
        changes.update(client_secret=None, client_secret_env=env, client_secret_prompt=False)
        if profile.auth_method not in SECRET_METHODS:
            changes["auth_method"] = AuthMethod.CLIENT_SECRET_POST
    return replace(profile, **changes) if changes else profile


def open_session(args: argparse.Namespace):
    """The session for the chosen profile, or an exit code after saying what is wrong."""
    loaded = load_profile(args)
    if isinstance(loaded, int):
        return loaded
    from m2m_tui.session.session import Session

    config, profile, state_dir = loaded
    return Session(config, state_dir, profile, timeout=getattr(args, "timeout", None))


def run_with_management(args: argparse.Namespace, session, act) -> int:
    """`act(args, mgmt)` with the issuer's Management API client (its management
    profile): a refusal is 1, no Management API token 1 (3 when unreachable), the
    network 3; a rate limit is waited out, said on stderr."""
    import asyncio

    from m2m_tui.admin.management_api import ManagementError

    async def with_client() -> int:
        import httpx

        from m2m_tui.admin.management_api import ManagementUnavailable

        async with session.client(certificate=False) as client:  # the management profile's
            try:
                mgmt = await session.admin.management(client)
            except ManagementUnavailable as exc:
                return fail(str(exc), EXIT_NETWORK if exc.network else EXIT_FAILED)
            mgmt.on_wait = lambda s: print(f"rate limited: waiting {s:g} s", file=sys.stderr)
            try:
                return await act(args, mgmt)
            except httpx.HTTPError as exc:
                return fail(f"cannot reach the Management API: {exc}", EXIT_NETWORK)

    try:
        return asyncio.run(with_client())
    except ManagementError as exc:
        return fail(f"the Management API refused: {exc.message}", EXIT_FAILED)


def aim(args: argparse.Namespace, session, target: str):
    """ENDPOINT as the user gave it: a path (with its query) at the profile's API, or a
    full URL, which is then talked to as given, never swapped for the profile's API.
    Another origin than the profile's is said once, and its own metadata is used.
    Returns (path, query parameters as typed: m2m_tui.api.query), or an exit code after
    saying what is wrong."""
    from dataclasses import replace
    from urllib.parse import urlsplit

    from m2m_tui.api.query import parse_query

    parts = urlsplit(target)
    query = parse_query(parts.query)
    path = parts.path if parts.path.startswith("/") else "/" + parts.path
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return fail(f"{target} is neither a path nor an http(s) URL", EXIT_USAGE)
        origin = f"{parts.scheme}://{parts.netloc}"
        own = session.profile.api_base_url
        own_origin = "{0.scheme}://{0.netloc}".format(urlsplit(own)) if own else None
        if own_origin != origin:
            note(
                args,
                f"note: {origin} is not this profile's API ({own or 'it names none'}): "
                f"talking to {origin}, as asked",
            )
        session.use(replace(session.profile, api_base_url=origin))
    elif not session.profile.api_base_url:
        return fail(
            f"profile {session.profile.name} has no api_base_url: give a full URL, or add "
            "api_base_url to the profile",
            EXIT_USAGE,
        )
    return path, query


def read_token(value: str | None) -> str | None:
    """TOKEN, or `-` (or nothing, with a pipe on stdin) for standard input."""
    if value == "-" or (value is None and not sys.stdin.isatty()):
        return sys.stdin.read().strip()
    return value


def read_pasted(value: str | None):
    """TOKEN (or stdin, as `read_token`) cleaned of what came with it when pasted
    (m2m_tui.tokens.pasted), and said on stderr: the cleaned token is the one checked
    and sent. None when nothing was given."""
    raw = read_token(value)
    if raw is None:
        return None
    from m2m_tui.tokens.pasted import clean_pasted

    pasted = clean_pasted(raw)
    if pasted.removed and pasted.token:
        print(f"note: cleaned the pasted token: {pasted.said}", file=sys.stderr)
    return pasted


def is_terminal(file=None) -> bool:
    return (file or sys.stdout).isatty()


def print_rich(*renderables: object, file=None) -> None:
    """Rich renderables (tables, panels) on stdout (or `file`). On a terminal, as Rich
    draws them; piped, without the spaces Rich pads each line with to the console's width
    (80 columns when it cannot ask), which `diff`, `grep 'x$'` and editors trip on."""
    from rich.console import Console

    console = Console(stderr=file is sys.stderr)
    if is_terminal(file):
        console.print(*renderables)
        return
    with console.capture() as captured:
        console.print(*renderables)
    for line in captured.get().splitlines():
        print(line.rstrip(), file=file)


def print_json(value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def profile_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="profile to use (default: default_profile)",
    )


def organization_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--organization",
        metavar="ORG",
        default=argparse.SUPPRESS,  # `m2m-tui --organization acme token` keeps it
        help="get the token for this organization (id or name; Auth0's Organizations "
        "for M2M), instead of the profile's `organization`",
    )


def token_flags(parser: argparse.ArgumentParser) -> None:
    """One-off overrides of what the token request asks for, oauth2c-style."""
    group = parser.add_argument_group(
        "token request overrides (this run only; the config is not changed)"
    )
    group.add_argument(
        "--scope",
        dest="override_scope",
        metavar="SCOPES",
        help="space-separated scopes to ask for ('' asks for none: the grant's all)",
    )
    group.add_argument(
        "--audience", dest="override_audience", metavar="API", help="the API identifier"
    )
    group.add_argument(
        "--resource",
        dest="override_resource",
        metavar="URI",
        help="the RFC 8707 resource indicator",
    )
    client_id_flag(group)
    group.add_argument(
        "--client-secret-env",
        metavar="VAR",
        help="read the client secret from this environment variable (never a flag: "
        "argv is visible to every user of the machine); a client_secret_jwt profile "
        "signs with it, any other sends it",
    )


def client_id_flag(parser) -> None:
    """--client-id: this run as another client of the profile's issuer (its refusal, its
    token), for token, call, diagnose and preview alike."""
    parser.add_argument(
        "--client-id", dest="override_client_id", metavar="ID", help="another client's id"
    )


def quiet_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print nothing but the result",
    )
