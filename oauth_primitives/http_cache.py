"""How long a fetched document (a JWKS, discovery, RFC 9728 metadata) may be reused:
the `max-age` of its Cache-Control header (RFC 9111 §5.2.2.1)."""

from __future__ import annotations


def max_age(cache_control: str | None) -> float | None:
    """Seconds, or None when the header gives no max-age; `no-store` and `no-cache` are
    0, as the document must not be reused without asking again."""
    seconds = None
    for directive in (cache_control or "").split(","):
        name, _, value = directive.strip().partition("=")
        name = name.lower()
        if name in ("no-store", "no-cache"):
            return 0.0
        if name == "max-age" and value.strip().strip('"').isdigit():
            seconds = float(value.strip().strip('"'))
    return seconds
