"""A Management API change in words, for the history ("granted geocode:location to
giftdeliveries on urn:worldmappers"), read from the request as it was sent: the same
words whichever screen or key made it."""

from __future__ import annotations

import re

# (method, path pattern) -> how the change reads; {name}s come from the path's groups
# and the request's JSON body.
_SAID = [
    ("POST", r"/client-grants", "grant for {client_id} on {audience}: {scope}"),
    ("PATCH", r"/client-grants/(?P<id>[^/]+)", "grant {id}: {patch}"),
    ("DELETE", r"/client-grants/(?P<id>[^/]+)", "grant {id} deleted"),
    ("PATCH", r"/resource-servers/(?P<id>[^/]+)", "API {id}: {patch}"),
    ("POST", r"/clients", "client {name} created"),
    ("POST", r"/organizations", "organization {name} created"),
    ("DELETE", r"/organizations/(?P<id>[^/]+)", "organization {id} deleted"),
    (
        "POST",
        r"/organizations/(?P<org>[^/]+)/client-grants",
        "grant {grant_id} associated with organization {org}",
    ),
    (
        "DELETE",
        r"/organizations/(?P<org>[^/]+)/client-grants/(?P<grant>[^/]+)",
        "grant {grant} dissociated from organization {org}",
    ),
    ("POST", r"/token-exchange-profiles", "token exchange profile {name} created"),
    ("PATCH", r"/token-exchange-profiles/(?P<id>[^/]+)", "token exchange profile {id}: {patch}"),
    ("DELETE", r"/token-exchange-profiles/(?P<id>[^/]+)", "token exchange profile {id} deleted"),
    ("POST", r"/keys/signing/rotate", "signing key rotated"),
    ("PUT", r"/keys/signing/(?P<kid>[^/]+)/revoke", "signing key {kid} revoked"),
]


def describe(method: str, path: str, body: object) -> str:
    """The change in a line; an unknown one as its method and path."""
    fields = body if isinstance(body, dict) else {}
    for said_method, pattern, words in _SAID:
        found = re.fullmatch(pattern, path)
        if said_method == method and found:
            values = {k: _text(v) for k, v in fields.items()}
            values.update(found.groupdict(), patch=_patch(fields))
            try:
                return words.format(**values)
            except KeyError:
                break  # a body of another shape: said as method and path
    return f"{method} {path}"


def _patch(fields: dict) -> str:
    """What a PATCH sets: `scope → a b`, `organization_usage → allow`."""
    return "; ".join(f"{k} → {_value(k, v)}" for k, v in fields.items()) or "nothing"


def _value(key: str, value: object) -> str:
    # A token exchange profile's scope_map reads as the Grants screen shows it.
    if key == "scope_map" and isinstance(value, dict):
        return "; ".join(f"{t} ← {_text(held)}" for t, held in value.items()) or "(none)"
    return _text(value)


def _text(value: object) -> str:
    if isinstance(value, list):
        names = [v.get("value", v) if isinstance(v, dict) else v for v in value]
        return " ".join(str(n) for n in names) or "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items())
    return "off" if value is None else str(value)
