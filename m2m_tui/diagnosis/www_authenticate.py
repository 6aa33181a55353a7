"""Parsing a `WWW-Authenticate: Bearer …` challenge (RFC 6750 §3, RFC 9728 §5.1)."""

from __future__ import annotations

import re

PARAM = re.compile(r'([A-Za-z0-9_\-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)')


def parse_challenge(header: str | None) -> dict[str, str]:
    """`{"scheme": "Bearer", "realm": …, "error": …, …}`; empty for no header."""
    if not header:
        return {}
    scheme, _, rest = header.strip().partition(" ")
    params = {"scheme": scheme}
    for name, value in PARAM.findall(rest):
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        params[name.lower()] = value
    return params
