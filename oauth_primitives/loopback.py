"""Whether a host name or address is this machine's loopback (127.0.0.0/8, ::1)."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """`localhost`, `127.0.0.1`, `[::1]`, `::1`; not a wildcard such as 0.0.0.0."""
    host = host.strip().lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
