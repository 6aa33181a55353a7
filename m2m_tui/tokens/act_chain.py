"""A delegated token's `act` chain (RFC 8693 §4.1) drawn for people: who acts now, for
whom, and who acted before. Read by the primitives' one reader (`read_chain`), so the
Inspector, `exchange` and `call` say what the authority and the APIs decide by."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text

from oauth_primitives.token_exchange import read_chain

LEGEND = (
    "act: who acts now; the nested act: who acted before "
    "(informational, RFC 8693 §4.1); sub: on whose behalf"
)


def chain_sentence(claims: Mapping) -> str | None:
    """ "world-mappers-api@clients acting for giftdeliveries@clients" (and who acted
    before, where the chain is longer); None for a token that names no actor."""
    chain = read_chain(claims)
    if not chain.delegated:
        return None
    subject = claims.get("sub") or "(no sub)"
    if not chain.actors:
        return f"act is not a valid chain: {chain.problem}"
    now, *before = chain.actors
    sentence = f"{now} acting for {subject}"
    if before:
        sentence += f" (before it: {', then '.join(before)})"
    if chain.problem:
        sentence += f"; then {chain.problem}"
    return sentence


def act_chain_view(claims: Mapping) -> Text | None:
    """The chain as a small tree, the current actor first, each line explained; None for
    a token that names no actor."""
    chain = read_chain(claims)
    if not chain.delegated:
        return None
    subject = str(claims.get("sub") or "(no sub)")
    text = Text("Act chain ", style="bold")
    text.append("(token exchange, RFC 8693)", style="dim")
    if chain.actors:  # in words first, as `exchange` and the Token tab say it
        text.append(f": {chain_sentence(claims)}", style="bold cyan")
    text.append("\n")
    text.append(f"  {subject}", style="bold")
    text.append("  sub: on whose behalf the token acts\n", style="dim")
    for depth, actor in enumerate(chain.actors):
        text.append("  " + "   " * depth + "└ ")
        text.append(actor, style="bold cyan" if depth == 0 else "cyan")
        if depth == 0:
            text.append("  act: acts now (the client that exchanged the token)\n", style="dim")
        else:
            text.append("  nested act: acted before (informational only)\n", style="dim")
    if chain.problem:
        text.append(f"  ✗ not a valid chain: {chain.problem}\n", style="bold red")
    text.append(LEGEND, style="dim italic")
    return text
