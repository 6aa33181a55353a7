"""Fitting tables into narrow terminals: columns shrink (with an ellipsis) instead of
running off the edge, so every column stays visible at 80 columns."""

from __future__ import annotations

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def ellipsize(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def shorten_apart(values: list[str], width: int) -> list[str]:
    """Each value in `width` cells, shortened in the middle (`/api…/geocode`), the cut
    moved toward whichever end keeps the column's values apart: `/api/location/geocode`
    and `/api/location/reverse-geocode` differ at their tails, `geocode:location` and
    `reverse-geocode:location` at their heads, `World Mappers API` and `World Mappers
    Admin` at their tails. A value that fits is left whole."""
    if width < 3 or all(len(v) <= width for v in values):
        return [ellipsize(v, width) for v in values]
    keep = width - 1  # cells for the text on both sides of the …
    balanced = keep // 2
    # Head sizes from the middle outward: balanced, then one more tail, one more head...
    heads = sorted(range(keep + 1), key=lambda h: (abs(h - balanced), -h))
    best = None
    for head in heads:
        tail = keep - head
        shown = [
            v if len(v) <= width else v[:head] + "…" + (v[-tail:] if tail else "") for v in values
        ]
        if best is None:
            best = shown
        if len(set(shown)) == len(set(values)):
            return shown
    return best


def fit_widths(
    available: int, natural: list[int], shrinkable: set[int], minimum: int = 6
) -> list[int]:
    """Column widths that fit `available` cells: the widest shrinkable column gives up a
    cell at a time until the row fits (or every shrinkable one is at `minimum`)."""
    widths = list(natural)
    over = sum(widths) - available
    while over > 0:
        candidates = [i for i in shrinkable if widths[i] > minimum]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
        over -= 1
    return widths
