"""A delegated token's `act` chain (RFC 8693 §4.1) against what the API accepts: who acts
now, on whose behalf, and the fix when the API refuses it. The rule ran in the table
(`oauth_primitives.rules.access_token.actor_finding`); this only says what it found.

Also the delegation's side of two other refusals: a token for another audience at an API
that serves calls on a caller's behalf (a forwarded token: exchange it instead), and a
scope an exchange narrowed away (the subject token's scopes, through the profile's
`scope_map`, decide)."""

from __future__ import annotations

from dataclasses import replace

from m2m_tui.diagnosis.check import Check, Expectations
from m2m_tui.tokens.decoded import DecodedToken
from oauth_primitives.rules import Code, Finding
from oauth_primitives.token_exchange import read_chain


def actor_check(token: DecodedToken, expect: Expectations, finding: Finding | None) -> Check:
    chain = read_chain(token.payload)
    sub = token.payload.get("sub")
    if finding is None:
        if not chain.actors:
            return Check("actor", True, "no act claim, and the API does not require one")
        hops = " ← ".join(chain.actors)
        return Check("actor", True, f"{hops} acting on behalf of {sub}, which the API accepts")
    if finding.code == Code.ACT_MALFORMED:
        return Check(
            "actor",
            False,
            f"the act claim is not a valid chain: {finding.values['problem']}",
            "The authority that issued this token by exchange wrote a malformed act; each "
            "act must be an object naming its actor in sub, nested at most a few deep.",
            finding.code,
        )
    if finding.code == Code.ACTOR_MISSING:
        return Check(
            "actor",
            False,
            f"the API serves only calls made on a caller's behalf, and this token of {sub} "
            f"has no act claim (it was not obtained by token exchange){_forwarded(token, expect)}",
            f"Exchange the caller's token instead of forwarding it: {exchange_command(expect)}"
            ", then call with the token it issues (its act names who acts).",
            finding.code,
        )
    accepted = list(finding.values["accepted"])
    actor = finding.values["actor"]
    earlier = f"; before it: {' ← '.join(chain.actors[1:])}" if chain.actors[1:] else ""
    return Check(
        "actor",
        False,
        f"{actor} acts on behalf of {sub}{earlier}; the API accepts only "
        f"{', '.join(accepted)} as the current actor (act.sub)",
        f"Exchange the caller's token as {' or '.join(accepted)} (the acting client: "
        f"{exchange_command(expect, _client(accepted[0]))}), or add {actor} to the API's "
        "accepted actors (`accepted_actors` in its settings).",
        finding.code,
    )


def _client(subject: str) -> str:
    """The client id a `<client_id>@clients` subject names (Auth0's shape)."""
    return subject.removesuffix("@clients")


def exchange_command(expect: Expectations, acting: str | None = None) -> str:
    """The exchange that gets a token for this API: as `acting`, else as a profile of
    the config's whose audience is the API (no --audience then: it is theirs)."""
    if acting is None and expect.acting_profiles:
        return " or ".join(f"`m2m-tui exchange --as {p}`" for p in expect.acting_profiles[:3])
    audience = f" --audience {expect.audience}" if expect.audience else ""
    acting = acting or "<the acting client's profile>"
    return f"`m2m-tui exchange --as {acting}{audience}`"


def _forwarded(token: DecodedToken, expect: Expectations) -> str:
    aud = token.payload.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if expect.audience and expect.audience not in auds:
        return f": it is a token for {aud}, forwarded"
    return ""


def delegated_aud(check: Check, token: DecodedToken, expect: Expectations) -> Check:
    """A token for another audience at an API that serves calls on a caller's behalf, or
    one that carries act: exchange it for this API, never forward it."""
    if check.ok is not False or not expect.audience:
        return check
    chain = read_chain(token.payload)
    if not (chain.delegated or expect.policy.require_actor):
        return check
    how = (
        f"it was exchanged for {token.payload.get('aud')} (act: {' ← '.join(chain.actors)})"
        if chain.actors
        else "this API takes only tokens obtained by exchange"
    )
    return replace(
        check,
        fix=f"Exchange it for {expect.audience} ({how}): {exchange_command(expect)}; a token "
        "is good at the audience it names, so forwarding it fails.",
    )


def narrowed_scope(
    check: Check,
    token: DecodedToken,
    subject_scopes: list[str] | None,
    expect: Expectations | None = None,
) -> Check:
    """A missing scope on a token for an API that serves calls on a caller's behalf, or on
    a delegated token: its scope is decided by the exchange (the acting client's grant on
    the API and the token exchange profile's scope_map), never by a grant to the caller's
    client, which could not use it there. What the subject token carried, when History
    knows it, is said."""
    chain = read_chain(token.payload)
    requires = expect is not None and expect.policy.require_actor
    if check.ok is not False or not (chain.actors or requires):
        return check
    aud = (expect.audience if expect else None) or token.payload.get("aud")
    scope = (expect.scope if expect else None) or "the scope"
    decided = (
        f"the exchange decides its scope: the acting client's grant on {aud} and the token "
        f"exchange profile's scope_map (which of the subject token's scopes permit {scope})"
    )
    if not chain.actors:  # a token not obtained by exchange, at an API that takes no other
        return replace(
            check,
            detail=check.detail + "; this API takes only tokens issued by exchange, and "
            "this one was not",
            fix=f"Exchange the caller's token for {aud} ({exchange_command(expect)}) rather "
            f"than granting {scope} to its client: {decided}.",
        )
    if subject_scopes is None:
        had = "what the subject token carried is not known here (it was not exchanged in this app)"
    else:
        had = f"the subject token carried {' '.join(subject_scopes) or 'no scope'}"
    acting = _client(chain.actors[0])
    return replace(
        check,
        detail=check.detail + f"; this token was issued by exchange to {chain.actors[0]}, and "
        "an exchange carries only what the subject token permits",
        fix=f"An exchange only narrows, and {decided}; {had}. Exchange a subject token "
        f"that holds them, map them to {scope} in the profile's scope_map, or grant "
        f"{acting} (the acting client) {scope} on {aud}; then exchange again.",
    )
