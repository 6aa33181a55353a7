"""A delegated token's `act` chain (RFC 8693 §4.1) against what the API accepts: who acts
now, on whose behalf, and the fix when the API refuses it. The rule ran in the table
(`oauth_primitives.rules.access_token.actor_finding`); this only says what it found."""

from __future__ import annotations

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
            "the API serves only calls made on a caller's behalf, and the token has no act "
            "claim (it was not obtained by token exchange)",
            "Do not forward the caller's token: exchange it at the authority (RFC 8693, "
            "`m2m-tui exchange --as <the acting client's profile>`) for a token for this "
            "API, and call with that.",
            finding.code,
        )
    accepted = ", ".join(finding.values["accepted"])
    return Check(
        "actor",
        False,
        f"the current actor {finding.values['actor']} is not one the API accepts ({accepted})",
        f"Exchange the token as one of {accepted}, or add the actor to the API's accepted "
        "actors (`accepted_actors` in its settings).",
        finding.code,
    )
