"""Loading `config.toml`: the profiles the TUI and CLI use, and the `[server]` seed.

Every problem becomes a `ConfigError` that names the file and, where TOML knows it,
the line, so a user never sees a traceback for a typo.
"""

from __future__ import annotations

import errno
import os
import tomllib
from dataclasses import MISSING, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from m2m_tui.config.profile import (
    ASSERTION_AUDIENCES,
    AUTH_METHODS,
    TLS_METHODS,
    Bundled,
    Profile,
)
from oauth_primitives.rules.closed_sets import DPOP_PROOF
from oauth_primitives.server_table import unknown_server_keys
from oauth_primitives.toml_reader import TomlReader, found, unknown_keys

__all__ = ["Config", "ConfigError", "Profile", "ServerTable"]  # Profile: its own module

CONFIG_ENV = "M2M_TUI_CONFIG"
# The shipped default ships inside the package; the repository's config.toml is a copy
# of it for people reading the checkout (tests/config/test_file.py keeps the two equal).
DEFAULT_CONFIG = "default_config.toml"
# Where the config in use came from, in the order they are tried.
FROM_FLAG, FROM_ENV, FROM_USER = "--config", "$" + CONFIG_ENV, "per-user"


class ConfigError(Exception):
    """A configuration problem, worded for the person who wrote the file."""


def default_config_text() -> str:
    """The shipped default: the local profiles, the [server] seed, commented templates."""
    return resources.files("m2m_tui").joinpath(DEFAULT_CONFIG).read_text(encoding="utf-8")


def user_config_path() -> Path:
    """The per-user config file: ~/.config/m2m-tui/config.toml on Linux."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("m2m-tui", appauthor=False)) / "config.toml"


def locate_config(flag: str | None = None) -> tuple[Path, str]:
    """The config file in use and where that choice came from: `--config PATH`, else
    `$M2M_TUI_CONFIG`, else the per-user file. A checkout is not special: its
    config.toml is the shipped default, used only when named."""
    if flag:
        return Path(flag).expanduser(), FROM_FLAG
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser(), FROM_ENV
    return user_config_path(), FROM_USER


def resolve_config_path(flag: str | None = None) -> Path:
    return locate_config(flag)[0]


def ensure_user_config(path: Path) -> bool:
    """Write the shipped default to `path` (0600) unless a file is there already.
    True when it was written now; a ConfigError that names the path when it cannot be."""
    if path.exists() or path.is_symlink():
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False  # another m2m-tui wrote it first
    except OSError as exc:
        raise ConfigError(
            f"cannot create the config file {path}: {_reason(exc)}; "
            f"pass --config PATH or set {CONFIG_ENV} to a file you can write"
        ) from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(default_config_text())
    return True


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) and exc.filename:
        return f"{Path(exc.filename).parent} cannot be written ({exc.strerror})"
    if exc.errno == errno.ENOTDIR:
        return f"{exc.filename or 'a parent'} is not a folder"
    return exc.strerror or str(exc)


@dataclass(frozen=True)
class ServerTable:
    """What the client needs of `[server]`: where the bundled servers listen (to start
    them, or to know a profile points at them), and the table itself, which the serve
    command hands to the servers untouched (they check the rest)."""

    host: str = "127.0.0.1"
    authority_port: int = 7000
    api_port: int = 7001
    routes_port: int = 7002  # the Routes API, World Mappers' downstream
    web_port: int = 7010  # `m2m-tui web`: the app in a browser
    table: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def reachable_host(self) -> str:
        """Where a client on this machine reaches the servers (a wildcard bind answers
        on loopback too)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"[{host}]" if ":" in host and not host.startswith("[") else host

    @property
    def issuer(self) -> str:
        return self.urls()[0]

    @property
    def api_url(self) -> str:
        return self.urls()[1]

    def urls(self, https: bool = False) -> tuple[str, str]:
        """(issuer, api_base_url) of the bundled servers: on plain HTTP, or over TLS on the
        same ports (`m2m-tui serve --tls`)."""
        scheme, host = ("https" if https else "http"), self.reachable_host
        return f"{scheme}://{host}:{self.authority_port}/", f"{scheme}://{host}:{self.api_port}"

    def routes_url(self, https: bool = False) -> str:
        """The bundled Routes API's base URL."""
        scheme = "https" if https else "http"
        return f"{scheme}://{self.reachable_host}:{self.routes_port}"


@dataclass(frozen=True)
class Config:
    path: Path
    profiles: dict[str, Profile]
    default_profile: str | None
    server: ServerTable


def load_config(path: Path, source: str = FROM_FLAG) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if source == FROM_ENV:
            raise ConfigError(
                f"{path}: no such config file (named by {CONFIG_ENV}; unset it to use "
                f"the per-user config {user_config_path()})"
            ) from None
        raise ConfigError(f"{path}: no such config file (pass --config PATH)") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a folder, not a config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already reads "... (at line 12, column 3)".
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    reader = _Reader(path)
    reader.refuse_unknown(reader.unknown(data))
    server = reader.server(reader.table(data, "server", "server"))
    profiles = {
        name: reader.profile(name, body, server)
        for name, body in reader.table(data, "profiles", "profiles").items()
    }
    default = reader.opt(data, "default_profile", str, "default_profile")
    if default is not None and default not in profiles:
        raise ConfigError(f"{path}: default_profile {default!r} names no [profiles.{default}]")
    return Config(path=path, profiles=profiles, default_profile=default, server=server)


BUNDLED_APIS = ("api", "routes")  # a bundled profile's api_base_url: which server's

# What a [profiles.NAME] table may hold: the Profile's fields (its name is the table's).
PROFILE_KEYS = frozenset(Profile.__dataclass_fields__) - {"name"}


class _Reader(TomlReader):
    """The profiles' and [server]'s readers; the typed access itself is shared."""

    error = ConfigError

    def unknown(self, data: dict) -> list[str]:
        """Every key of the file that nothing reads, in every table: a typo outside the
        profiles (`authority_prot`) would otherwise fall back to a default without a word,
        and `token` send its secret to whatever listens there. [server]'s keys are the
        servers' own dataclasses' fields (oauth_primitives.server_table)."""
        top = set(Config.__dataclass_fields__) - {"path"}
        problems = unknown_keys(data, top, "the top level")
        server = data.get("server")
        if isinstance(server, dict):
            problems += unknown_server_keys(server)
        profiles = data.get("profiles")
        if isinstance(profiles, dict):
            for name, body in profiles.items():
                if isinstance(body, dict):
                    problems += unknown_keys(body, PROFILE_KEYS, f"[profiles.{name}]")
        return problems

    def profile(self, name: str, body: Any, server: ServerTable) -> Profile:
        where = f"profiles.{name}"
        if not isinstance(body, dict):
            raise self.fail(where, "must be a table")
        known = PROFILE_KEYS  # unknown keys were refused with the rest (`unknown`)
        values: dict[str, Any] = {"name": name}
        kinds: dict[str, Any] = {
            "client_secret_prompt": bool,
            "timeout": (int, float),
            "dpop": bool,
        }
        for key in known - {"bundled"}:
            kind = kinds.get(key, str)
            default = Profile.__dataclass_fields__[key].default
            values[key] = self.opt(body, key, kind, where, None if default is MISSING else default)
        values["bundled"] = bundled = self.bundled(body, where)
        if bundled:
            given = [k for k in ("issuer", "api_base_url") if k in body]
            if given:
                written = '"https"' if bundled == "https" else "true"
                raise self.fail(
                    where,
                    f"bundled = {written} takes "
                    f"{' and '.join(given)} from [server] (host, authority_port, api_port): "
                    f"remove {' and '.join(given)} here",
                )
            values["issuer"], values["api_base_url"] = server.urls(https=bundled == "https")
            if values["bundled_api"] == "routes":
                values["api_base_url"] = server.routes_url(https=bundled == "https")
        if values["bundled_api"] not in BUNDLED_APIS:
            raise self.fail(where, f"bundled_api must be one of {', '.join(BUNDLED_APIS)}")
        if not values["issuer"]:
            raise self.fail(
                where, 'issuer is required (or bundled = true or "https", for the bundled server)'
            )
        if values["audience"]:  # "{issuer}api/v2/": the Management API of this issuer
            values["audience"] = values["audience"].replace("{issuer}", values["issuer"])
        if not 0 < values["timeout"] <= 600:
            raise self.fail(where, "timeout must be a number of seconds, above 0 and at most 600")
        values["timeout"] = float(values["timeout"])
        if not values["client_id"]:
            raise self.fail(where, "client_id is required")
        providers = ("auth0", "generic", "okta", "keycloak", "entra")
        if values["provider"] not in providers:
            raise self.fail(where, f"provider must be one of {', '.join(providers)}")
        if values["dpop_alg"] not in DPOP_PROOF:
            raise self.fail(where, f"dpop_alg must be one of {', '.join(DPOP_PROOF)}")
        if values["auth_method"] not in AUTH_METHODS:
            raise self.fail(where, f"auth_method must be one of {', '.join(AUTH_METHODS)}")
        if values["assertion_audience"] not in ASSERTION_AUDIENCES:
            raise self.fail(
                where,
                "assertion_audience must be token_endpoint (RFC 7523) or issuer "
                "(draft-ietf-oauth-rfc7523bis)",
            )
        if bool(values["client_certificate"]) != bool(values["client_key"]):
            raise self.fail(where, "client_certificate and client_key go together: give both")
        if values["auth_method"] in TLS_METHODS and not values["client_certificate"]:
            raise self.fail(
                where,
                f"auth_method {values['auth_method']} needs client_certificate and client_key "
                "(`m2m-tui certs create NAME` makes a pair)",
            )
        return Profile(**values)

    def bundled(self, body: dict, where: str) -> Bundled:
        """true: the bundled servers on plain HTTP; "https": the same over TLS (`m2m-tui
        serve --tls both`); false: a server of the profile's own issuer."""
        value = body.get("bundled", False)
        if isinstance(value, bool) or value == "https":
            return value
        raise self.fail(
            where,
            'bundled must be true, false or "https" (the bundled server over TLS, '
            f"`m2m-tui serve --tls both`), not {found(value)}",
        )

    def server(self, data: dict) -> ServerTable:
        w = "server"
        return ServerTable(
            host=self.opt(data, "host", str, w, "127.0.0.1"),
            authority_port=self.opt(data, "authority_port", int, w, 7000),
            api_port=self.opt(data, "api_port", int, w, 7001),
            routes_port=self.opt(data, "routes_port", int, w, 7002),
            web_port=self.opt(data, "web_port", int, w, 7010),
            table=data,
        )
