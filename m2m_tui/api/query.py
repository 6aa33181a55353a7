"""A query string as typed: an ordered list of (name, value) pairs. A name may repeat
(`address=Paris&address=Berlin` is two parameters, and an API may read either or both)
and a bare name (`?verbose`, value None) stays bare: `verbose=` is another request, an
empty value, which APIs may answer differently. A dict keeps neither."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote_plus, unquote_plus

QueryPairs = list[tuple[str, str | None]]
# What an ApiCall takes: the app's boxes (a dict, one value a name) or pairs as typed.
Params = Mapping[str, str] | Iterable[tuple[str, str | None]]


def parse_query(text: str) -> QueryPairs:
    """`a=1&a=2&b` as [("a", "1"), ("a", "2"), ("b", None)], percent-decoded."""
    pairs: QueryPairs = []
    for part in text.split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        pairs.append((unquote_plus(name), unquote_plus(value) if sep else None))
    return pairs


def as_pairs(params: Params) -> QueryPairs:
    items = params.items() if isinstance(params, Mapping) else params
    return [(str(k), None if v is None else str(v)) for k, v in items]


def encode_query(params: Params) -> str:
    """The pairs back as a query, in order, a bare name without `=`."""
    return "&".join(
        quote_plus(k) if v is None else f"{quote_plus(k)}={quote_plus(v)}"
        for k, v in as_pairs(params)
    )


def with_overrides(
    pairs: QueryPairs, overrides: QueryPairs
) -> tuple[QueryPairs, list[tuple[str, str | None]]]:
    """`pairs` (the path's query) with every name in `overrides` (`--param`) replaced by
    the overrides' values, which come last, in their order. Also returns what was
    replaced, so that it can be said: a silent override hides a typo's effect."""
    names = {k for k, _ in overrides}
    replaced = [(k, v) for k, v in pairs if k in names]
    return [(k, v) for k, v in pairs if k not in names] + overrides, replaced


def shown(pair: tuple[str, str | None]) -> str:
    """One pair as it is typed (`address=Paris`, or a bare `verbose`)."""
    name, value = pair
    return name if value is None else f"{name}={value}"
