"""base64url without padding (RFC 7515 §2 and Appendix C), as JOSE uses it."""

from __future__ import annotations

import binascii
import json

_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")


def encode(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=").decode()


def encode_json(value: object) -> str:
    """A JOSE header or claims set: compact JSON, then base64url."""
    return encode(json.dumps(value, separators=(",", ":")).encode())


def decode(text: str) -> bytes:
    """Strict: ValueError for anything that is not base64url (padding is tolerated, as
    some issuers send it). binascii directly, as base64's wrapper costs as much again on
    every proof the API checks."""
    text = text.rstrip("=")
    if len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = text.encode("ascii", "replace").translate(_FROM_URLSAFE)
    try:
        return binascii.a2b_base64(data + b"=" * (-len(data) % 4), strict_mode=True)
    except binascii.Error:
        raise ValueError("not base64url") from None
