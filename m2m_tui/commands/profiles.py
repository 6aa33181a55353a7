"""`m2m-tui profiles`, `config init` and `import-sample`: the profiles in config.toml."""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path

from m2m_tui.commands.common import EXIT_FAILED, EXIT_OK, fail, load_config_arg, print_json

TEMPLATES = {
    "auth0": '''# Auth0: the API is named by `audience` (its identifier).
issuer = "YOUR_TENANT.us.auth0.com"          # an Auth0 domain is enough
client_id = "YOUR_CLIENT_ID"
client_secret_env = "AUTH0_CLIENT_SECRET"    # the secret stays in your environment
audience = "urn:worldmappers"
api_base_url = "http://127.0.0.1:7001"
provider = "auth0"
# DPoP (RFC 9449): Auth0 turns it on per API (the API's proof_of_possession,
# {mechanism "dpop", required true}, in the dashboard or the Management API). Whether a
# tenant demands nonces, m2m-tui follows any DPoP-Nonce it is given. Then:
# dpop = true                                # dpop_alg = "ES256"; dpop_key_file = "..."''',
    "okta": '''# Okta custom authorization server: client_credentials needs a custom `scope`.
issuer = "https://YOUR_ORG.okta.com/oauth2/default"
client_id = "YOUR_CLIENT_ID"
client_secret_env = "OKTA_CLIENT_SECRET"
scope = "worldmappers.read"
api_base_url = "http://127.0.0.1:7001"
provider = "okta"
# How the client authenticates, when not client_secret_post: client_secret_basic, or
# client_secret_jwt (the secret signs an HS256 assertion and is never sent), or
# private_key_jwt with private_key_file = "..." (a PEM).
# auth_method = "client_secret_jwt"
# DPoP (RFC 9449): Okta turns it on per app ("Require Demonstrating Proof of Possession
# (DPoP) header in token requests"), and always demands a nonce at its token endpoint:
# m2m-tui retries once with the DPoP-Nonce Okta sends. Then:
# dpop = true                                # dpop_alg = "ES256"; dpop_key_file = "..."''',
    "keycloak": '''# Keycloak: the token endpoint is found by discovery at the realm.
issuer = "https://keycloak.example.com/realms/YOUR_REALM"
client_id = "YOUR_CLIENT_ID"
client_secret_env = "KEYCLOAK_CLIENT_SECRET"
# scope = "profile"
api_base_url = "http://127.0.0.1:7001"
provider = "keycloak"
# Keycloak's "Signed Jwt with Client Secret" authenticator is client_secret_jwt (the
# secret signs an HS256 assertion and is never sent); "Signed Jwt", private_key_jwt.
# auth_method = "client_secret_jwt"
# DPoP (RFC 9449): Keycloak (23+) binds tokens when a proof is sent, and can require it
# per client ("Require DPoP bound tokens" in its advanced settings); m2m-tui follows any
# DPoP-Nonce it is given.
# dpop = true                                # dpop_alg = "ES256"; dpop_key_file = "..."''',
    "entra": '''# Microsoft Entra ID: the API is named by scope "<application ID URI>/.default".
issuer = "https://login.microsoftonline.com/YOUR_TENANT_ID/v2.0"
token_endpoint = "https://login.microsoftonline.com/YOUR_TENANT_ID/oauth2/v2.0/token"
client_id = "YOUR_APPLICATION_ID"
client_secret_env = "AZURE_CLIENT_SECRET"
resource = "api://YOUR_API_APPLICATION_ID"   # sent as scope=<resource>/.default
api_base_url = "http://127.0.0.1:7001"
provider = "entra"''',
    "generic": '''# Any RFC 8414 / OpenID provider: token endpoint by discovery, API by scope
# (or RFC 8707 `resource`).
issuer = "https://auth.example.com/"
client_id = "YOUR_CLIENT_ID"
client_secret_env = "CLIENT_SECRET"
scope = "worldmappers"
# resource = "https://api.example.com/"
api_base_url = "http://127.0.0.1:7001"
provider = "generic"
# auth_method: client_secret_post (the default), client_secret_basic, client_secret_jwt
# (the secret signs an HS256 assertion and is never sent), or private_key_jwt with
# private_key_file = "..." (a PEM); the server's discovery lists what it takes
# (token_endpoint_auth_methods_supported).
# auth_method = "client_secret_jwt"''',
}


CONFIG_ORDER = """\
The config file in use is the first of:
  --config PATH
  $M2M_TUI_CONFIG
  the per-user file (~/.config/m2m-tui/config.toml on Linux), written from the
  shipped default (the local profiles, commented templates) on first use, 0600.
A checkout is no exception: its config.toml is the shipped default, used only when
named (--config config.toml).
State (keys, tenant database, token cache) lives in --state-dir, else
$M2M_TUI_STATE_DIR, else the per-user data folder (~/.local/share/m2m-tui)."""


def add_parsers(commands) -> None:
    profiles = commands.add_parser(
        "profiles",
        help="list or show profiles (secrets masked)",
        epilog="examples:\n  m2m-tui profiles list\n  m2m-tui profiles show local --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = profiles.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list")
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")

    config = commands.add_parser(
        "config",
        help="where the config is; write a commented profile for a provider",
        description=CONFIG_ORDER,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    config_actions = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    where = config_actions.add_parser(
        "path",
        help="print the config file in use and the state folder",
        description=CONFIG_ORDER,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where.add_argument("--json", action="store_true")
    init = config_actions.add_parser(
        "init",
        help="add a commented profile for a provider to the config file",
        epilog="examples:\n  m2m-tui config init --provider okta --name okta\n"
        "  m2m-tui config init --provider entra --output -",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    init.add_argument("--provider", choices=sorted(TEMPLATES), default="auth0")
    init.add_argument("--name", help="profile name (default: the provider's)")
    init.add_argument(
        "--output", metavar="PATH", help="file to add it to (default: the config file; - prints it)"
    )

    sample = commands.add_parser(
        "import-sample",
        help="turn the original sample's config.json into a profile",
        epilog="example:\n  m2m-tui import-sample ../machine-to-machine/config.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sample.add_argument("path", metavar="PATH/config.json")
    sample.add_argument("--name", default="sample")
    sample.add_argument("--output", metavar="PATH", help="default: the config file")


def masked(profile) -> dict:
    from dataclasses import asdict

    body = {k: v for k, v in asdict(profile).items() if v not in (None, False, "")}
    if "client_secret" in body:
        body["client_secret"] = "••••••"
    return body


def run_profiles(args: argparse.Namespace) -> int:
    config = load_config_arg(args)
    if isinstance(config, int):
        return config
    if args.action == "list":
        rows = [masked(p) for p in config.profiles.values()]
        if args.json:
            print_json(rows)
            return EXIT_OK
        print(f"# {config.path}")
        for p in config.profiles.values():
            mark = "*" if p.name == (config.default_profile or next(iter(config.profiles))) else " "
            print(
                f"{mark} {p.name:<14} {p.client_id:<20} {p.issuer}  "
                f"{p.audience or p.resource or p.scope or ''}"
            )
        return EXIT_OK
    if args.name not in config.profiles:
        return fail(f"no profile named {args.name!r} (known: {', '.join(config.profiles)})")
    body = masked(config.profiles[args.name])
    if args.json:
        print_json(body)
    else:
        for key, value in body.items():
            print(f"{key:<22} {value}")
    return EXIT_OK


def _append(args, text: str, name: str) -> int:
    from m2m_tui.config.file import ConfigError, parse_config

    block = f"\n[profiles.{name}]\n{text}\n"
    if args.output == "-":
        sys.stdout.write(block)
        return EXIT_OK
    if args.output:
        path = Path(args.output)
    else:
        config = load_config_arg(args)  # writes the per-user file on first use
        if isinstance(config, int):
            return config
        path = config.path
    before = path.read_text() if path.exists() else ""
    try:
        existing = tomllib.loads(before)
    except tomllib.TOMLDecodeError as exc:
        return fail(f"{path} is not valid TOML ({exc}); fix it before adding a profile")
    profiles = existing.get("profiles")
    if isinstance(profiles, dict) and name in profiles:
        return fail(f"{path} already has a profile named {name}; pass --name")
    try:
        parse_config(before + block, path)
    except ConfigError as exc:
        return fail(str(exc))
    with path.open("a", encoding="utf-8") as handle:
        handle.write(block)
    print(
        f"added [profiles.{name}] to {path}; edit the placeholders, then "
        f"`m2m-tui --profile {name}`",
        file=sys.stderr,
    )
    return EXIT_OK


def run_config(args: argparse.Namespace) -> int:
    if args.action == "path":
        return _print_paths(args)
    return _append(args, TEMPLATES[args.provider], args.name or args.provider)


def _print_paths(args: argparse.Namespace) -> int:
    from m2m_tui.config.file import FROM_USER, locate_config
    from m2m_tui.config.state_dir import resolve_state_dir

    path, source = locate_config(args.config)
    state = resolve_state_dir(args.state_dir)
    if args.json:
        print_json(
            {
                "config": str(path),
                "config_from": source,
                "exists": path.is_file(),
                "state_dir": str(state),
            }
        )
        return EXIT_OK
    how = {FROM_USER: "the per-user config"}.get(source, f"from {source}")
    if not path.exists():
        how += "; not written yet" + (": it will be on first use" if source == FROM_USER else "")
    print(f"config  {path}  ({how})")
    print(f"state   {state}")
    return EXIT_OK


def run_import_sample(args: argparse.Namespace) -> int:
    try:
        data = json.loads(Path(args.path).read_text())
    except FileNotFoundError:
        return fail(f"{args.path}: no such file")
    except (OSError, ValueError) as exc:
        return fail(f"{args.path}: not a readable JSON file ({exc})")
    if not isinstance(data, dict):
        return fail(f"{args.path}: expected a JSON object")
    missing = [
        k
        for k in ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "RESOURCE_SERVER")
        if not isinstance(data.get(k), str) or not data.get(k)
    ]
    if missing:
        return fail(f"{args.path}: missing {', '.join(missing)}")
    text = (
        f"# Imported from {args.path}. The secret is read from $AUTH0_CLIENT_SECRET;\n"
        "# it is not copied here.\n"
        f"issuer = {json.dumps(data['AUTH0_DOMAIN'])}\n"
        f"client_id = {json.dumps(data['AUTH0_CLIENT_ID'])}\n"
        'client_secret_env = "AUTH0_CLIENT_SECRET"\n'
        f"audience = {json.dumps(data['RESOURCE_SERVER'])}\n"
        'api_base_url = "http://localhost:7001"\n'
        'provider = "auth0"'
    )
    code = _append(args, text, args.name)
    if code == EXIT_OK and data.get("AUTH0_CLIENT_SECRET"):
        print(
            "The sample's secret was not copied: export AUTH0_CLIENT_SECRET before use.",
            file=sys.stderr,
        )
    return code if code == EXIT_OK else EXIT_FAILED
