"""Differences between two tokens: every claim, and the scopes as sets."""

from __future__ import annotations

from dataclasses import dataclass

from m2m_tui.tokens.decoded import decode

VOLATILE = {"iat", "exp", "jti", "nbf"}  # change with every token; shown, never surprising


@dataclass
class ClaimChange:
    claim: str
    before: object
    after: object
    volatile: bool


@dataclass
class TokenDiff:
    added_scopes: list[str]
    removed_scopes: list[str]
    kept_scopes: list[str]
    claims: list[ClaimChange]

    @property
    def scopes_changed(self) -> bool:
        return bool(self.added_scopes or self.removed_scopes)


def scope_diff(before: list[str], after: list[str]) -> tuple[list[str], list[str], list[str]]:
    old, new = set(before), set(after)
    return (sorted(new - old), sorted(old - new), sorted(old & new))


def diff_tokens(before: str, after: str) -> TokenDiff:
    """Raises NotAJwt when either is not a JWT."""
    a, b = decode(before), decode(after)
    added, removed, kept = scope_diff(a.scopes, b.scopes)
    changes = []
    for claim in dict.fromkeys([*a.payload, *b.payload]):
        if claim == "scope":
            continue
        old, new = a.payload.get(claim), b.payload.get(claim)
        if old != new:
            changes.append(ClaimChange(claim, old, new, claim in VOLATILE))
    for name in dict.fromkeys([*a.header, *b.header]):
        old, new = a.header.get(name), b.header.get(name)
        if old != new:
            changes.append(ClaimChange(f"header.{name}", old, new, False))
    return TokenDiff(added, removed, kept, changes)
