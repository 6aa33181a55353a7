"""What a DPoP proof (RFC 9449) must say, as both its signer and its checker see it:
the `htu` comparison, the `ath` hash and the window around `iat`."""

from __future__ import annotations

import functools
import hashlib
import re
from urllib.parse import urlsplit, urlunsplit

from . import base64url

# §4.3 item 11 leaves the window to the server; the bundled servers accept a proof up
# to MAX_AGE seconds old and MAX_AHEAD seconds in the future (a client clock a little
# fast). The diagnosis judges a proof by the same numbers.
MAX_AGE = 60.0
MAX_AHEAD = 5.0

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@functools.lru_cache(maxsize=1024)  # the same few URLs, on every request
def htu(url: str) -> str:
    """§4.2 and §4.3 item 9: the URL without query and fragment, normalised as RFC 3986
    §6.2.2 and §6.2.3 say, so that two spellings of one URL compare equal:
    - scheme and host in lower case, the default port dropped, an empty path as `/`;
    - percent-encodings in upper case, and unreserved characters decoded;
    - dot segments removed;
    - any other character outside ASCII's printable set percent-encoded (UTF-8), the
      way an HTTP client puts it on the wire.

    The client puts this in its proofs and the servers compare against it, so the
    two sides cannot disagree."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: keep it, so the comparison fails
        port = None
        host = parts.netloc.rpartition("@")[2].lower()
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host += f":{port}"
    return urlunsplit((scheme, host, _without_dot_segments(_path(parts.path)) or "/", "", ""))


def _without_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4: `/a/./b/../c` is `/a/c`, as HTTP clients send it."""
    out: list[str] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/".join(out)


def _path(path: str) -> str:
    def percent(match: re.Match) -> str:
        byte = int(match.group(1), 16)
        return chr(byte) if byte in _UNRESERVED else f"%{byte:02X}"

    out = []
    for piece in re.split(r"(%[0-9A-Fa-f]{2})", path):
        if _PERCENT.fullmatch(piece):
            out.append(percent(_PERCENT.fullmatch(piece)))
            continue
        for char in piece:
            if 0x21 <= ord(char) < 0x7F:
                out.append(char)
            else:
                out.extend(f"%{b:02X}" for b in char.encode("utf-8", "surrogatepass"))
    return "".join(out)


@functools.lru_cache(maxsize=1024)  # a client sends one token with many proofs
def ath(access_token: str) -> str:
    """The `ath` claim (§4.2): base64url SHA-256 of the access token's ASCII."""
    return base64url.encode(hashlib.sha256(access_token.encode("ascii", "replace")).digest())


def iat_outside_window(iat: float, now: float) -> str | None:
    """ "stale", "ahead", or None when `iat` is within the window around `now`."""
    if iat < now - MAX_AGE:
        return "stale"
    if iat > now + MAX_AHEAD:
        return "ahead"
    return None
