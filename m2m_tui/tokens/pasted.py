"""A token as people paste it: out of a JSON answer (quoted, with a comma), out of a
header (`Authorization: Bearer …`), out of a log wrapped at 76 columns, with a newline
after it. One function cleans it, says what it removed, and every front end sends what
was cleaned: what the server is sent is what was checked."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum


class Removed(StrEnum):
    """What cleaning took off a pasted token; `WORDS` says each for the user."""

    WHITESPACE = "whitespace"  # around it: a trailing newline, a leading space
    JSON_ANSWER = "json_answer"  # a whole token response: its access_token was taken
    JSON_FIELD = "json_field"  # `"access_token": "…"`, the name and the quotes
    QUOTES = "quotes"
    TRAILING_COMMA = "trailing_comma"
    HEADER_NAME = "header_name"  # `Authorization:`
    SCHEME = "scheme"  # `Bearer ` or `DPoP `
    LINE_BREAKS = "line_breaks"  # inside it: wrapped at 64 or 76 columns, or spaces
    INVISIBLE = "invisible"  # zero-width spaces, a byte-order mark: chat apps add them
    URL_PARAMETERS = "url_parameters"  # `#access_token=…&token_type=…`, a redirect's fragment
    # Mistakes of the code that built the header, named so (an API refuses them).
    SCHEME_TWICE = "scheme_twice"  # `Bearer Bearer …`
    RESPONSE_SENT = "response_sent"  # `Bearer {"access_token": …}`: the whole response


WORDS = {
    Removed.WHITESPACE: "the whitespace around it",
    Removed.JSON_ANSWER: "the token response around it (its access_token was taken)",
    Removed.JSON_FIELD: "the JSON field name around it",
    Removed.QUOTES: "the quotes around it",
    Removed.TRAILING_COMMA: "a trailing comma",
    Removed.HEADER_NAME: "the `Authorization:` header name",
    Removed.SCHEME: "the authorization scheme in front of it",
    Removed.LINE_BREAKS: "line breaks and spaces inside it (it was wrapped)",
    Removed.INVISIBLE: "invisible characters (zero-width spaces, a byte-order mark)",
    Removed.URL_PARAMETERS: "the URL parameters around it (its access_token was taken)",
    Removed.SCHEME_TWICE: (
        "the scheme written twice (`Bearer Bearer …`): the code adds `Bearer ` to a value "
        "that has it already, and an API reads the second `Bearer` as the token"
    ),
    Removed.RESPONSE_SENT: (
        "the whole token response after the scheme (its access_token was taken): the "
        "code sends the response, where only its access_token belongs"
    ),
}

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Quotes as typed, and as chat apps and word processors turn them.
_QUOTES = {'"': '"', "'": "'", "`": "`", "\u201c": "\u201d", "\u2018": "\u2019", "\u00ab": "\u00bb"}
_SCHEME = re.compile(r"(?i)(bearer|dpop|basic)\s+")
_FIELD = re.compile(r'^"?(access_token|token)"?\s*[:=]\s*')
# What a JWS, JWE or opaque token is made of (RFC 7515's base64url and dots, and the
# characters of RFC 6750's b64token), with the whitespace a wrap put inside it.
_TOKENISH = re.compile(r"[A-Za-z0-9\-._~+/=\s]+")
_JOSE = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){1,4}")


@dataclass(frozen=True)
class Pasted:
    token: str
    removed: tuple[Removed, ...] = ()

    @property
    def said(self) -> str:
        """What was cleaned, in words; empty when the text was the token itself."""
        if not self.removed:
            return ""
        return "removed " + ", ".join(WORDS[r] for r in self.removed)


def clean_pasted(text: str) -> Pasted:
    """The token in pasted `text`, and what was removed to get it (in that order)."""
    removed: list[Removed] = []

    def took(what: Removed, before: str, after: str) -> str:
        if after != before and what not in removed:
            removed.append(what)
        return after

    token = took(Removed.INVISIBLE, text, _INVISIBLE.sub("", text))
    token = took(Removed.WHITESPACE, token, token.strip())
    if "access_token=" in token and "&" in token:  # a redirect's fragment, or a form body
        from urllib.parse import parse_qs

        found = parse_qs(token.split("#", 1)[-1].split("?", 1)[-1]).get("access_token")
        if found:
            removed.append(Removed.URL_PARAMETERS)
            return Pasted(found[0].strip(), tuple(removed))
    if token.startswith("{") and (answer := _token_response(token)) is not None:
        removed.append(Removed.JSON_ANSWER)
        return Pasted(answer, tuple(removed))
    # Peel what surrounds it, outermost first, until nothing more comes off.
    while True:
        before = token
        token = took(Removed.TRAILING_COMMA, token, token.removesuffix(",").rstrip())
        token = took(Removed.JSON_FIELD, token, _FIELD.sub("", token, count=1))
        if len(token) >= 2 and _QUOTES.get(token[0]) == token[-1]:
            token = took(Removed.QUOTES, token, token[1:-1].strip())
        if token[:14].lower() == "authorization:":
            token = took(Removed.HEADER_NAME, token, token[14:].strip())
        scheme = _SCHEME.match(token)
        if scheme:
            twice = Removed.SCHEME in removed
            token = took(Removed.SCHEME, token, token[scheme.end() :].strip())
            if twice and Removed.SCHEME_TWICE not in removed:
                removed.append(Removed.SCHEME_TWICE)
        if token == before:
            break
    if Removed.SCHEME in removed and token.startswith("{"):
        answer = _token_response(token)
        if answer is not None:
            removed.append(Removed.RESPONSE_SENT)
            return Pasted(answer, tuple(removed))
    # Wrapped: broken over lines (a log, an email), or spaced where a line ended (a PDF,
    # a terminal). Spaces alone count only where what they split is a JWS or JWE.
    joined = re.sub(r"\s+", "", token)
    if _TOKENISH.fullmatch(token) and ("\n" in token or _JOSE.fullmatch(joined)):
        token = took(Removed.LINE_BREAKS, token, joined)
    return Pasted(token, tuple(removed))


def _token_response(text: str) -> str | None:
    """The access_token of a token response (RFC 6749 §5.1) in `text`, if it is one."""
    try:
        answer = json.loads(text)
    except ValueError:
        return None
    if isinstance(answer, dict) and isinstance(answer.get("access_token"), str):
        return answer["access_token"]
    return None
