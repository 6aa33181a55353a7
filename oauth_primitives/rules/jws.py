"""A token's form: JWS compact serialisation (RFC 7515 §7.1), read strictly, and the
size an API takes. Parsed once; every other rule reads the parts from here."""

from __future__ import annotations

import binascii
import json
import re
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


def _object(part: str) -> dict | None:
    try:
        value = json.loads(strict_decode(part).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _parts(token: str, limit: int | None) -> list[str] | Finding:
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


def parse(token: str, limit: int | None = MAX_TOKEN) -> Jws | Finding:
    """The token's parts, or the finding that stops any further reading of it."""
    parts = _parts(token, limit)
    if isinstance(parts, Finding):
        return parts
    header = _object(parts[0])
    if header is None:
        return Finding(Code.BAD_ENCODING, {"part": "header"})
    payload = _object(parts[1])
    if payload is None:
        return Finding(Code.BAD_ENCODING, {"part": "payload"})
    try:
        signature = strict_decode(parts[2])
    except ValueError:
        return Finding(Code.BAD_ENCODING, {"part": "signature"})
    return Jws(token, header, payload, signature, f"{parts[0]}.{parts[1]}".encode())


def form_finding(token: str, limit: int | None = MAX_TOKEN) -> Finding | None:
    """What `parse` finds of a token whose parts are known to hold JSON objects (one a
    lenient reader has decoded already): its size, and strict base64url, without
    decoding the JSON a second time."""
    parts = _parts(token, limit)
    if isinstance(parts, Finding):
        return parts
    for name, part in zip(("header", "payload", "signature"), parts, strict=True):
        if not _B64URL.match(part) or len(part) % 4 == 1:
            return Finding(Code.BAD_ENCODING, {"part": name})
    return None
