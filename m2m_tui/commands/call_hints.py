"""The hint `call` prints under a 401: from the rule book's code when the API names one
(its `rule`), else where the token came from. A token from the cache is the likely cause
only of a refusal a reset tenant or revoked keys explain; a refusal by a delegation rule
(RFC 8693 §4.1) is fixed by exchanging the caller's token, never by dropping the cache."""

from __future__ import annotations

import json

from oauth_primitives.rules import Code

# What a tenant reset or revoked keys leave a cached token refused by (or no rule named).
STALE = frozenset({Code.KID_UNKNOWN, Code.SIGNATURE_INVALID, Code.ISS_MISMATCH, Code.INACTIVE})


def rule_of(body: str | None) -> Code | None:
    """The rule book's code a JSON refusal names in `rule`; None otherwise."""
    try:
        data = json.loads(body or "")
    except ValueError:
        return None
    rule = data.get("rule") if isinstance(data, dict) else None
    return next((c for c in Code if c.value == rule), None)


def refusal_hint(
    body: str | None, cached: bool, profile: str, path: str, callers: list[str]
) -> str | None:
    """The hint for a 401 with `body`, for a call by `profile` to `path`; `callers`: the
    config's profiles whose token could be exchanged (a caller's). None: nothing to add."""
    rule = rule_of(body)
    if rule in (Code.ACTOR_MISSING, Code.ACTOR_NOT_ACCEPTED):
        caller = " or ".join(f"--profile {c}" for c in callers[:3]) or "--profile CALLER"
        why = (
            "this API takes only tokens obtained by token exchange on a caller's behalf "
            "(rule actor_missing: the token has no act claim)"
            if rule is Code.ACTOR_MISSING
            else "this API does not accept the token's current actor (rule actor_not_accepted)"
        )
        return (
            f"hint: {why}; exchange the caller's token as {profile} and call with it: "
            f"`m2m-tui call {caller} --exchange-as {profile} '{path}'` "
            f"(`m2m-tui diagnose --profile {profile}` explains it)"
        )
    if rule is not None and rule not in STALE:
        return (
            f"hint: refused by rule {rule.value}; `m2m-tui diagnose --profile {profile}` "
            "explains it and names the fix"
        )
    if cached:
        # A tenant that was reset, or keys that were revoked, leave the cache holding a
        # token no server accepts any more: say where this one came from.
        return (
            "hint: this token came from the cache; if the authorization server was reset or "
            f"its keys revoked, drop it with `m2m-tui token --forget --profile {profile}` "
            "and call again"
        )
    return None
