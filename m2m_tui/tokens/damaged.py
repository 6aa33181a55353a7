"""A token damaged on its way: cut short (a log line's limit, a column's width) or with
characters after its signature (the closing quote of the JSON it was cut from, `%22`, an
escaped `\\n`, the next URL parameter). The signature's length is known for each
algorithm (RFC 7518 §3.3, §3.4: an RSA signature is as long as its key's modulus, an
ECDSA one twice its curve's size), so what happened to it can be said in bytes.

The causes are `m2m_tui.diagnosis.causes.Cause`'s values, as text: `tokens` sits below
`diagnosis`."""

from __future__ import annotations

import re

from oauth_primitives import base64url

TRUNCATED = "signature_truncated"
TRAILING = "trailing_characters"

# RFC 7518 §3.4 (R and S, each the curve's size) and RFC 8037 §3.1 (Ed25519).
_FIXED = {"ES256": 64, "ES256K": 64, "ES384": 96, "ES512": 132, "EdDSA": 64, "Ed25519": 64}
_B64URL_PREFIX = re.compile(r"[A-Za-z0-9_-]*")
# What came after the token, by how it starts.
_AFTER = (
    ('"', "a quote: it was cut from JSON with the string's end"),
    ("'", "a quote: it was cut from code or a shell line with the string's end"),
    ("%22", "a URL-encoded quote (%22): it was cut from a URL or a form body"),
    ("%", "URL-encoded characters: it was cut from a URL or a form body"),
    ("\\", 'an escaped character (`\\n`, `\\"`): it was cut from an escaped JSON or log line'),
    ("&", "the next URL parameter: it was cut from a URL"),
    ("}", "the end of a JSON object"),
    (",", "a comma: it was cut from a list"),
    (";", "a semicolon: it was cut from a cookie or a header"),
)


def trailing(signature_part: str) -> str | None:
    """What follows the signature's base64url, if anything does."""
    end = _B64URL_PREFIX.match(signature_part).end()
    return signature_part[end:] or None


def after_words(junk: str) -> str:
    for start, words in _AFTER:
        if junk.startswith(start):
            return words
    return "characters base64url has not"


def trailing_said(junk: str) -> str:
    shown = junk if len(junk) <= 16 else junk[:16] + "…"
    return (
        f"the signature is followed by {shown!r} ({len(junk)} character(s)), "
        f"{after_words(junk)}; a JWS ends with its signature's base64url"
    )


def cut_short_said(part: str) -> str:
    return (
        f"the signature's base64url is {len(part)} characters, which is no whole number "
        "of bytes (a length of 4n+1 never is): it was cut short, or a character was added"
    )


def signature_length(alg: str, jwk: dict | None) -> int | None:
    """The bytes a signature by `alg` with `jwk` has: fixed for ECDSA and EdDSA, the
    modulus's length for RSA (RS*, PS*)."""
    if alg in _FIXED:
        return _FIXED[alg]
    if alg[:2] in ("RS", "PS") and isinstance(jwk, dict) and isinstance(jwk.get("n"), str):
        try:
            return len(base64url.decode(jwk["n"]).lstrip(b"\0"))
        except ValueError:
            return None
    return None


def length_said(alg: str, jwk: dict | None, have: int) -> tuple[str, str] | None:
    """The cause and its words when a signature of `have` bytes is not the length `alg`
    and the key make; None when it is, or the length is not known."""
    want = signature_length(alg, jwk)
    if want is None or have == want:
        return None
    by = f"by this {want * 8}-bit key" if alg[:2] in ("RS", "PS") else ""
    of = f"of the {want} bytes an {alg} signature {by}".replace("  ", " ").strip()
    if have < want:
        return TRUNCATED, (
            f"{want - have} bytes of the signature are missing (it has {have} {of} has): "
            "the token was cut short on its way (a log line's or a column's limit, a "
            "copy that stopped early)"
        )
    return TRAILING, (
        f"the signature has {have - want} bytes more than it can ({have}, {of} has): "
        "characters were joined to the token's end on its way (the next field, a "
        "second paste)"
    )
