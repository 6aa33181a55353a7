"""Fitting tables into narrow terminals: columns shrink (with an ellipsis) instead of
running off the edge, so every column stays visible at 80 columns."""

from __future__ import annotations

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def ellipsize(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


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
