"""A typo in any table of config.toml is named, with the key it was meant to be: never
ignored with the default used instead (`authority_prot = 7600` sent `token` to 7000)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from api_server.settings import SettingsError, server_settings
from m2m_tui.config.file import ConfigError, default_config_text, parse_config
from oauth_primitives.server_table import TABLES
from tests.conftest import free_port, run_cli

SHIPPED = default_config_text()
HEADER = re.compile(r"^\s*(\[\[?)\s*([\w.-]+)\s*\]\]?")
ASSIGNMENT = re.compile(r"^(\s*)([A-Za-z_]\w*)(\s*=)")
INLINE = re.compile(r"([{,]\s*)([A-Za-z_]\w*)(\s*=)")


def typo(key: str) -> str:
    """Two letters swapped in the middle ("authority_port" -> "authority_prot"), or one
    dropped where they are alike: the kind of slip a person makes."""
    i = max(1, len(key) // 2 - 1)
    if key[i] != key[i + 1]:
        return key[:i] + key[i + 1] + key[i] + key[i + 2 :]
    return key[:i] + key[i + 1 :]


def shipped_keys() -> list[tuple[str, str, int, str]]:
    """Every key the shipped config writes, as (table, key, line number, kind): keys of
    the top level and of each table, the tables' own names (`throttle` in [server]),
    and the keys of inline tables (`scopes = [{ value = ... }]`)."""
    found: list[tuple[str, str, int, str]] = []
    table = ""
    seen: set[tuple[str, str]] = set()
    for number, line in enumerate(SHIPPED.splitlines()):
        code = line.split("#", 1)[0]
        if header := HEADER.match(code):
            table = header.group(2)
            parent, _, name = table.rpartition(".")
            if (parent, name) not in seen and parent and parent != "profiles":
                seen.add((parent, name))
                found.append((parent, name, number, "header"))
            continue
        if assignment := ASSIGNMENT.match(code):
            if (table, assignment.group(2)) not in seen:
                seen.add((table, assignment.group(2)))
                found.append((table, assignment.group(2), number, "assignment"))
        if code.lstrip().startswith("{"):
            for inline in INLINE.finditer(code):
                where = f"{table}.scopes"
                if (where, inline.group(2)) not in seen:
                    seen.add((where, inline.group(2)))
                    found.append((where, inline.group(2), number, "inline"))
    return found


def with_typo(table: str, key: str, number: int, kind: str) -> str:
    lines = SHIPPED.splitlines()
    line = lines[number]
    if kind == "header":
        lines[number] = line.replace(f"{table}.{key}", f"{table}.{typo(key)}", 1)
    elif kind == "assignment":
        lines[number] = ASSIGNMENT.sub(lambda m: m[1] + typo(m[2]) + m[3], line, count=1)
    else:
        start = line.index(key + " =")
        lines[number] = line[:start] + typo(key) + line[start + len(key) :]
    return "\n".join(lines) + "\n"


def shown(table: str) -> str:
    """The table as the message writes it: [[...]] for an array of tables."""
    if table == "":
        return "the top level"
    if table.startswith("profiles."):
        return f"[{table}]"
    array = table in TABLES and table not in (
        "server",
        "server.throttle",
        "server.api",
        "server.routes",
    )
    return f"[[{table}]]" if array else f"[{table}]"


CASES = shipped_keys()


def test_every_table_of_the_shipped_config_is_covered():
    tables = {table for table, *_ in CASES}
    assert set(TABLES) <= tables
    assert {"", "profiles.local", "profiles.local-admin"} <= tables
    assert len(CASES) > 50  # every key, not a sample


@pytest.mark.parametrize("table, key, number, kind", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_a_typo_of_each_shipped_key_is_named_with_its_fix(table, key, number, kind):
    text = with_typo(table, key, number, kind)
    assert tomllib.loads(text) != tomllib.loads(SHIPPED)  # the typo is in the file
    with pytest.raises(ConfigError) as raised:
        parse_config(text, Path("config.toml"))
    message = str(raised.value)
    assert f'has no key "{typo(key)}"; did you mean "{key}"?' in message
    assert message.startswith(f"config.toml: {shown(table)}")
    if table.startswith("server"):
        # `serve` (and `python -m api_server`) says the same of the [server] table.
        with pytest.raises(SettingsError) as served:
            server_settings(tomllib.loads(text)["server"], "config.toml")
        assert str(served.value) == message


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "[server]\nauthority_prot = 7600\n",
            'config.toml: [server] has no key "authority_prot"; did you mean "authority_port"?',
        ),
        (
            '[server.api]\naudeince = "urn:x"\nleway = 30\n',
            'config.toml: [server.api] has no key "audeince"; did you mean "audience"?\n'
            'config.toml: [server.api] has no key "leway"; did you mean "leeway"?',
        ),
        (
            "[server.throttle]\nmax_failure = 3\n",
            'config.toml: [server.throttle] has no key "max_failure"; did you mean "max_failures"?',
        ),
        (
            'default_profle = "local"\n',
            'config.toml: the top level has no key "default_profle"; '
            'did you mean "default_profile"?',
        ),
        (
            '[[server.client_grants]]\nclient_id = "a"\naudeince = "urn:x"\n',
            'config.toml: [[server.client_grants]] has no key "audeince"; did you mean "audience"?',
        ),
        (
            '[[server.clients]]\nclient_id = "a"\nname = "A"\n'
            '[[server.clients]]\nclient_id = "b"\nname = "B"\ncolour = "red"\n',
            'config.toml: [[server.clients]] #2 has no key "colour" (it takes: client_id, '
            "client_secret, name, public_key_pems, token_endpoint_auth_method)",
        ),
    ],
)
def test_the_issues_typos_are_named(text, message):
    with pytest.raises(ConfigError) as raised:
        parse_config(text, Path("config.toml"))
    assert str(raised.value) == message


def test_token_refuses_a_server_typo_before_sending_the_secret(tmp_path):
    """The bundled profile's issuer follows [server]: with `authority_prot` ignored it
    went to port 7000. Nothing is sent anywhere: the command stops at the config."""
    port = free_port()
    text = SHIPPED.replace("authority_port = 7000", f"authority_prot = {port}")
    (tmp_path / "config.toml").write_text(text)
    result = run_cli(tmp_path, "token", "--json")
    assert result.returncode == 2
    assert '[server] has no key "authority_prot"; did you mean "authority_port"?' in (result.stderr)
    assert result.stdout == ""
    assert "giftdeliveries-local-secret" not in result.stderr


def test_serve_refuses_a_typo_in_a_grant(tmp_path):
    text = SHIPPED.replace('audience = "{issuer}api/v2/"\nall_scopes', 'audeince = "x"\nall_scopes')
    (tmp_path / "config.toml").write_text(text)
    result = run_cli(tmp_path, "serve")
    assert result.returncode == 2
    assert 'has no key "audeince"; did you mean "audience"?' in result.stderr
    assert "audience is required" not in result.stderr
