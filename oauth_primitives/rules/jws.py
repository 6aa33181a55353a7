"""A token's form: JWS compact serialisation (RFC 7515 §7.1), read strictly, and the
size an API takes. Parsed once; every other rule reads the parts from here."""

from __future__ import annotations

import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import base64url
from .findings import Code, Finding

# The largest token the bundled API reads. Auth0's tokens are a few hundred bytes to
# a few KiB; Node's HTTP parser refuses a header section over 16 KiB, nginx over 8 KiB.
MAX_TOKEN = 8 * 1024
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Jws:
    raw: str
    header: dict
    payload: dict
    signature: bytes = field(repr=False)
    signing_input: bytes = field(repr=False)


def strict_decode(part: str) -> bytes:
    """RFC 7515 §2: the URL-safe alphabet, no padding, no stray bytes."""
    if not _B64URL.match(part) or len(part) % 4 == 1:
        raise ValueError("not base64url")
    return base64url.decode(part)


def read_object(part: str, decode: Callable[[str], bytes] = strict_decode) -> dict | str:
    """A part as a JSON object, else what it is instead: "not base64url", "not JSON" or
    "not a JSON object"."""
    try:
        data = decode(part)
    except (ValueError, binascii.Error):
        return "not base64url"
    try:
        value = json.loads(data.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError is one
        return "not JSON"
    return value if isinstance(value, dict) else "not a JSON object"


def compact_parts(token: str, limit: int | None = MAX_TOKEN) -> list[str] | Finding:
    """The three parts, or what stops any reading: size first, then their count."""
    if limit is not None and len(token) > limit:
        return Finding(Code.TOO_LARGE, {"limit": limit, "size": len(token)})
    parts = token.split(".")
    if len(parts) == 1:
        return Finding(Code.OPAQUE, {"parts": 1})
    if len(parts) == 5:
        return Finding(Code.ENCRYPTED, {"parts": 5})
    if len(parts) != 3:
        return Finding(Code.NOT_A_JWS, {"parts": len(parts)})
    return parts


def parse(
    token: str, limit: int | None = MAX_TOKEN, decode: Callable[[str], bytes] = strict_decode
) -> Jws | Finding:
    """The token's parts, or the finding that stops any further reading of it. `decode`:
    strict, as an API reads a token; the inspector passes base64url.decode, which also
    takes padding, to show a token a strict API refuses (form_finding says why)."""
    parts = compact_parts(token, limit)
    if isinstance(parts, Finding):
        return parts
    header = read_object(parts[0], decode)
    if not isinstance(header, dict):
        return Finding(Code.BAD_ENCODING, {"part": "header", "why": header})
    payload = read_object(parts[1], decode)
    if not isinstance(payload, dict):
        return Finding(Code.BAD_ENCODING, {"part": "payload", "why": payload})
    try:
        signature = decode(parts[2])
    except ValueError:
        return Finding(Code.BAD_ENCODING, {"part": "signature", "why": "not base64url"})
    return Jws(token, header, payload, signature, f"{parts[0]}.{parts[1]}".encode())


def form_finding(token: str, limit: int | None = MAX_TOKEN) -> Finding | None:
    """What `parse` finds of a token whose parts are known to hold JSON objects (one a
    lenient reader has decoded already): its size, and strict base64url, without
    decoding the JSON a second time."""
    parts = compact_parts(token, limit)
    if isinstance(parts, Finding):
        return parts
    for name, part in zip(("header", "payload", "signature"), parts, strict=True):
        if not _B64URL.match(part) or len(part) % 4 == 1:
            return Finding(Code.BAD_ENCODING, {"part": name})
    return None
