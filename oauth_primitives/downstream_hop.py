"""The link from an API's answer to the record of the downstream hop it made for it
(World Mappers' directions by the Routes API): the relation type and the `Link` header
(RFC 8288), written by the API and read by the client, so that the two cannot disagree.
"""

from __future__ import annotations

# RFC 8288 §2.1.2: a relation type that is not in IANA's registry must be an extension
# relation type, a URI. No registered one says "the record of the call made downstream
# to answer this" ("via" names the source itself, "describedby" is read as a schema by
# generic clients), so World Mappers names its own, under its own `urn:worldmappers`
# identifiers, rather than send a bare `downstream` that no registry defines.
REL = "urn:worldmappers:rel:downstream"


def link_header(target: str, rel: str = REL) -> str:
    """RFC 8288 §3: one link, the target in angle brackets, the rel quoted (a URI
    holds colons, which a token may not)."""
    return f'<{target}>; rel="{rel}"'


def link_targets(header: str | None, rel: str = REL) -> list[str]:
    """The targets of the links in `header` whose rel lists `rel`, in order. Relation
    types compare without case (RFC 8288 §2.1.1 and §2.1.2); `rel` may list several,
    space-separated (§3.3). A malformed link is skipped, never guessed at."""
    found: list[str] = []
    for link in _split(header or ""):
        link = link.strip()
        if not link.startswith("<") or ">" not in link:
            continue
        target, _, rest = link[1:].partition(">")
        rels = _param(rest, "rel")
        if rels is not None and rel.lower() in rels.lower().split():
            found.append(target.strip())
    return found


def _split(header: str) -> list[str]:
    """The header's links: commas split them, except inside <...> or quotes."""
    parts, current, in_target, in_quote = [], [], False, False
    for char in header:
        if char == "<" and not in_quote:
            in_target = True
        elif char == ">" and not in_quote:
            in_target = False
        elif char == '"' and not in_target:
            in_quote = not in_quote
        if char == "," and not in_target and not in_quote:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _param(rest: str, name: str) -> str | None:
    """A link-param's value (quoted or a token); the first occurrence counts (§3.3)."""
    for part in rest.split(";"):
        key, eq, value = part.strip().partition("=")
        if eq and key.strip().lower() == name:
            value = value.strip()
            return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    return None
