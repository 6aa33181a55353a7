"""What a user adds to an API call besides the endpoint and its query, curl's way: headers
(`Name: value`), a body (`--data`, `@file`, `@-`) and a JSON body (`--json`). Shared by
`m2m-tui call` and the app's request editor, so both send the same bytes for the same
words."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

# Headers the client sets itself and a user's header replaces (said when it happens).
CREDENTIAL_HEADERS = ("authorization", "dpop")


class RequestPartError(ValueError):
    """A header or a body as typed cannot be sent: the message says why and what to type."""


def parse_header(line: str) -> tuple[str, str]:
    """`Name: value` as curl's -H takes it; the name must be a token (RFC 9110 §5.1)."""
    name, sep, value = line.partition(":")
    name = name.strip()
    if not sep or not name or any(c.isspace() or c in '"(),/;<=>?@[\\]{}' for c in name):
        raise RequestPartError(f"a header is `Name: value`, not {line!r}")
    return name, value.strip()


def parse_headers(lines: list[str] | str) -> dict[str, str]:
    """Headers, one per line (blank lines skipped); a later one of the same name wins."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    headers: dict[str, str] = {}
    for line in lines:
        if line.strip():
            name, value = parse_header(line)
            for known in [k for k in headers if k.lower() == name.lower()]:
                del headers[known]
            headers[name] = value
    return headers


def read_data(value: str) -> str:
    """curl's `@file` and `@-` (standard input); anything else is the data itself."""
    if value == "@-":
        return sys.stdin.read()
    if value.startswith("@"):
        path = Path(value[1:]).expanduser()
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RequestPartError(f"cannot read {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise RequestPartError(f"{path} is not UTF-8 text") from None
    return value


def check_json(text: str) -> str:
    """The JSON body as typed, once it is known to be JSON (a typo is said here, with its
    place, rather than as the API's 400)."""
    try:
        json.loads(text)
    except ValueError as exc:
        raise RequestPartError(
            f"the body is not JSON ({exc}); send it as it is with --data and "
            "--header 'Content-Type: application/json'"
        ) from None
    return text


def with_defaults(headers: dict[str, str], body: str | None, is_json: bool) -> dict[str, str]:
    """The user's headers plus what curl adds for a body: a form body is
    application/x-www-form-urlencoded, a JSON one application/json (and asks for JSON
    back). A header the user gave is never replaced."""
    names = {k.lower() for k in headers}
    added: dict[str, str] = {}
    if body is not None and "content-type" not in names:
        added["Content-Type"] = (
            "application/json" if is_json else "application/x-www-form-urlencoded"
        )
    return {**added, **headers}


def replaced_credentials(headers: dict[str, str]) -> list[str]:
    """The user's headers that stand in for the token the client would send."""
    return [k for k in headers if k.lower() in CREDENTIAL_HEADERS]


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class RequestEdit:
    """The app's request editor's words for one endpoint: its method, its headers as
    typed (one `Name: value` a line) and its body ("" sends none)."""

    method: str
    headers_text: str = ""
    body: str = ""

    def parts(self) -> tuple[dict[str, str], str | None]:
        """(headers, body) to send, with curl's Content-Type for a body that names none:
        JSON for a body that is JSON, a form otherwise. Raises RequestPartError."""
        body = self.body if self.body.strip() else None
        is_json = body is not None and _is_json(body)
        return with_defaults(parse_headers(self.headers_text), body, is_json), body

    def summary(self) -> str:
        """What differs from a plain call, in a few words ("POST · 1 header · 22 B body")."""
        headers, body = self.parts()
        typed = parse_headers(self.headers_text)
        said = [self.method]
        if typed:
            said.append(f"{len(typed)} header{'s' if len(typed) > 1 else ''}")
        if body is not None:
            kind = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
            said.append(f"body {len(body.encode())} B, {kind}")
        if replaced_credentials(typed):
            said.append("your own Authorization, not the token")
        return " · ".join(said)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
