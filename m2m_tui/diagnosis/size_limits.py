"""How large a token may be where it travels: in an Authorization header, through the
servers and proxies people run. Limits are in bytes, as each documents them."""

from __future__ import annotations

from dataclasses import dataclass

from oauth_primitives.rules.jws import MAX_TOKEN


@dataclass(frozen=True)
class Limit:
    name: str
    size: int
    whole_line: bool  # counts the whole `Authorization: Bearer …` line, not the token


# Smallest first. Node counts every header of the request together; the others count the
# one header line that carries the token.
LIMITS = (
    Limit("Apache's LimitRequestFieldSize (8,190 bytes a header)", 8190, True),
    Limit(f"the bundled API's token limit ({MAX_TOKEN:,} bytes)", MAX_TOKEN, False),
    Limit("nginx's default large_client_header_buffers (8 KiB a header line)", 8192, True),
    Limit("AWS API Gateway's 10 KiB for all headers", 10240, True),
    Limit("Node.js's HTTP parser (16 KiB for all headers; it answers 431)", 16384, True),
)
HEADER = len("Authorization: Bearer ")
# A header's worth of room: below this no proxy limit is near, whatever the answer.
SUSPECT = 4096
SMALLER = (
    "Make the token smaller: fewer claims in it (Auth0: the Actions that add them, or "
    "RBAC permissions; Entra ID: group claims, whose overage sends a link instead), or "
    "raise the limit it crosses (nginx large_client_header_buffers, Apache "
    "LimitRequestFieldSize, node --max-http-header-size)."
)


def size_words(size: int) -> str:
    return f"{size:,} bytes ({size / 1024:.1f} KiB)"


def crossed(size: int) -> list[Limit]:
    return [limit for limit in LIMITS if size + (HEADER if limit.whole_line else 0) > limit.size]


def limits_crossed(size: int) -> str:
    """Which common limits a token of `size` bytes crosses, and which it stays under."""
    over = crossed(size)
    under = [limit for limit in LIMITS if limit not in over]
    said = []
    if over:
        said.append("It crosses " + "; ".join(limit.name for limit in over))
    if under:
        said.append("it stays under " + "; ".join(limit.name for limit in under))
    return (". ".join(said) + ".") if said else ""
