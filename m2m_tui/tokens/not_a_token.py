"""Text that is no token at all, but what a program sends when it holds none: a variable
never set (`undefined`, `null`, `None`, nothing after `Bearer `), an object turned into
text (`[object Object]`, a JSON object, a Python repr) or a template never filled
(`{{token}}`, `${TOKEN}`, `<token>`). Each is a programming mistake with a fix of its own,
which an API reads as an opaque token and refuses: naming the mistake is the help.

The causes are `m2m_tui.diagnosis.causes.Cause`'s values, written as text here because
`tokens` sits below `diagnosis`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

UNSET_VARIABLE = "unset_variable"
OBJECT_AS_TEXT = "object_as_text"
TEMPLATE_UNFILLED = "template_unfilled"

# What each language prints for a variable that holds nothing, and whose it is.
_UNSET = {
    "undefined": "JavaScript's undefined",
    "null": "null (JavaScript, Java, C#, JSON)",
    "none": "Python's None",
    "nil": "nil (Go, Ruby)",
    "nan": "NaN",
    "(null)": "C's printf of a NULL pointer",
    "<nil>": "Go's <nil>",
    "bearer": "the scheme with nothing after it (an empty string)",
    "dpop": "the scheme with nothing after it (an empty string)",
}
# Placeholders, filled by nothing: Mustache and Postman `{{token}}`, shell and JavaScript
# template literals `${TOKEN}`, shell `$TOKEN`, Windows `%TOKEN%`, PowerShell
# `$env:TOKEN`, documentation's `<token>` and `YOUR_ACCESS_TOKEN`, Python's `{token}`.
_TEMPLATES = (
    (re.compile(r"\{\{\s*\$?[\w.\-\[\]'\" ]+\s*\}\}"), "a Mustache or Postman variable"),
    (re.compile(r"\$\{\s*[\w.\-:\[\]'\" ]+\s*\}"), "a shell or template-literal variable"),
    (re.compile(r"\$(env:)?[A-Za-z_]\w*"), "a shell or PowerShell variable"),
    (re.compile(r"%[A-Za-z_]\w*%"), "a Windows environment variable"),
    (re.compile(r"<[A-Za-z_][\w\- ]*>"), "a placeholder from documentation"),
    (re.compile(r"\{[A-Za-z_]\w*\}"), "a Python format field"),
    (re.compile(r"(?i)(your|my)[_\- ]?(access[_\- ]?)?(token|jwt)([_\- ]?here)?"), "a placeholder"),
    (re.compile(r"(ACCESS_|BEARER_|AUTH_|API_)?TOKEN"), "a variable's name"),
)
# An object as its language turns it into text: JavaScript's String(object), Python's
# repr, Java's Object.toString, Go's %v of a pointer or a map.
_OBJECTS = (
    (re.compile(r"\[object (\w+)\]"), "JavaScript's String() of an object"),
    (
        re.compile(r"<([\w.]+)( object( [\w.<>]+)?)?( at 0x[0-9a-f]+| \[\d+\])>"),
        "Python's repr of an object",
    ),
    (re.compile(r"[a-z][\w.]*\.[A-Z]\w*@[0-9a-f]+"), "Java's toString() of an object"),
    (re.compile(r"(&\{|map\[).*[\]}]", re.S), "Go's %v of a struct or a map"),
)

_UNAWAITED = ("Promise", "coroutine")


@dataclass(frozen=True)
class Mistake:
    cause: str
    said: str  # what the text is, in words


def recognise(text: str) -> Mistake | None:
    """The mistake `text` shows, or None when it may be a token."""
    if not text or text.lower() in _UNSET:
        what = _UNSET.get(text.lower(), "nothing")
        return Mistake(
            UNSET_VARIABLE,
            f"this is no token but {what}: the variable meant to hold the token was "
            "never set (the token request failed, or its access_token was never read)",
        )
    if text.startswith(("{", "[")) and (found := _object(text)) is not None:
        return found
    for pattern, whose in _OBJECTS:
        match = pattern.fullmatch(text)
        if match:
            extra = ""
            if match.re in (_OBJECTS[0][0], _OBJECTS[1][0]) and match.group(1) in _UNAWAITED:
                extra = f" (a {match.group(1)}: the token request was not awaited)"
            return Mistake(
                OBJECT_AS_TEXT,
                f"this is no token but {whose}{extra}: the code put an object where the "
                "token's text belongs",
            )
    for pattern, whose in _TEMPLATES:
        if pattern.fullmatch(text):
            return Mistake(
                TEMPLATE_UNFILLED,
                f"this is no token but {whose}, {text!r}, never filled in: the template "
                "or the command was sent as written",
            )
    return None


def _object(text: str) -> Mistake | None:
    """A JSON object or array (or a Python dict's repr) sent whole: the token response
    is cleaned before this (m2m_tui.tokens.pasted), so what is left holds no token."""
    try:
        value = json.loads(text)
    except ValueError:
        value = None
        if not re.fullmatch(r"\{\s*'.*\}", text, re.S):  # not a Python dict's repr either
            return None
    if value is None:
        kind = "a Python dict's repr"
    elif isinstance(value, dict) and isinstance(value.get("error"), str):
        # RFC 6749 §5.2: the token endpoint's refusal, sent on as if it were the token.
        return Mistake(
            OBJECT_AS_TEXT,
            f"this is no token but the token endpoint's error answer ({value['error']}): "
            "the token request failed, and the code sent its answer on as the token",
        )
    elif isinstance(value, dict):
        kind = "a JSON object" + (f" (its fields: {', '.join(list(value)[:5])})" if value else "")
    elif isinstance(value, list):
        kind = "a JSON array"
    else:
        return None
    return Mistake(
        OBJECT_AS_TEXT,
        f"this is no token but {kind}: the code sent an object, not the access_token string in it",
    )
