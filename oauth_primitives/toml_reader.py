"""Typed access to parsed TOML, with errors that name the file, the table and the key,
so that a typo in a config file reads as a sentence, never as a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

# TOML's words for what a key holds, as a user writes it.
_KINDS = {
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    str: "a string (in quotes)",
    list: "a list",
    dict: "a table",
}


def wanted(kind: type | tuple) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if set(kinds) == {int, float}:
        return "a number"
    return " or ".join(_KINDS.get(k, k.__name__) for k in kinds)


def found(value: Any) -> str:
    """What the file holds instead, shown as written: `the string "10"`, `true`."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f'the string "{shown}"'
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def suggestion(key: str, known: Iterable[str]) -> str:
    """`; did you mean "client_id"?` for a key one typo away from a known one, else ``."""
    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f'; did you mean "{close[0]}"?' if close else ""


def unknown_keys(data: dict, known: Iterable[str], table: str) -> list[str]:
    """One sentence per key of `data` that `known` lacks, in the file's order, `table`
    being its name as the file writes it (`[server]`, `[[server.clients]] #2`):
    `[server] has no key "authority_prot"; did you mean "authority_port"?`. A key
    nothing reads would otherwise be ignored without a word, its default used instead."""
    known = set(known)
    return [
        f'{table} has no key "{key}"{suggestion(key, known) or _listing(known)}'
        for key in data
        if key not in known
    ]


def _listing(known: set[str]) -> str:
    return f" (it takes: {', '.join(sorted(known))})"


class TomlReader:
    """Subclasses set `error` to their own exception class and add readers for their
    tables; `source` names the file in every message."""

    error: type[Exception] = ValueError

    def __init__(self, source: object) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> Exception:
        return self.error(f"{self.source}: [{where}] {message}")

    def refuse_unknown(self, problems: list[str]) -> None:
        """Raise one error naming every unknown key found (see `unknown_keys`), each on
        its own line with the file's name, so that all are fixed in one go."""
        if problems:
            raise self.error("\n".join(f"{self.source}: {problem}" for problem in problems))

    def table(self, data: dict, key: str, where: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(where, f"{key} must be a table")
        return value

    def opt(self, data: dict, key: str, kind: type | tuple, where: str, default: Any = None) -> Any:
        if key not in data:
            return default
        value = data[key]
        # bool is an int in Python; a port of `true` is still a mistake.
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.fail(where, f"{key} must be {wanted(kind)}, not {found(value)}")
        return value

    def req(self, data: dict, key: str, kind: type, where: str) -> Any:
        if key not in data:
            raise self.fail(where, f"{key} is required")
        return self.opt(data, key, kind, where)

    def items(self, data: dict, key: str, where: str) -> list[dict]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(where, f"{key} must be an array of tables ([[{where}.{key}]])")
        return value

    def choice(self, data: dict, key: str, allowed: tuple, where: str, default: str) -> str:
        value = self.opt(data, key, str, where, default)
        if value not in allowed:
            raise self.fail(where, f"{key} must be one of {', '.join(allowed)}")
        return value

    def strings(self, data: dict, key: str, where: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(where, f"{key} must be an array of strings")
        return tuple(value)
