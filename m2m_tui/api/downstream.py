"""The downstream hop an API reports in its answer (#49's contract): World Mappers asked
the Routes API for the route on its caller's behalf, by token exchange (RFC 8693), and
says in `"downstream"` what the exchange gave (never the token) and what the Routes API
answered. Read once here, drawn the same by `call` and the API tab."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from rich.console import Group, RenderableType
from rich.text import Text

from m2m_tui.tokens.act_chain import chain_sentence


@dataclass(frozen=True)
class DownstreamHop:
    api: str
    url: str
    status: int | None  # the downstream API's; None when it was never called
    elapsed_ms: float | None
    exchange: dict = field(default_factory=dict)
    body: object = None
    www_authenticate: str | None = None
    error: str | None = None  # the calling API's own: exchange_refused, downstream_refused, …
    error_description: str | None = None

    @property
    def exchanged(self) -> bool:
        return self.exchange.get("status") == 200

    @property
    def reused(self) -> bool:
        """The API did not exchange for this call: it reused a token it exchanged
        earlier for the same caller's token (kept until near its exp)."""
        return self.exchanged and self.exchange.get("remembered") is True


def reuse_words(exchange: dict, now: float | None = None) -> str:
    """`exchanged token reused (exchanged 42 s ago)`, from the record's `exchanged_at`
    (an API that does not say when: `exchanged earlier`)."""
    import math
    import time

    from m2m_tui.tokens.decoded import relative

    at = exchange.get("exchanged_at")
    now = time.time() if now is None else now
    if isinstance(at, int | float) and not isinstance(at, bool) and math.isfinite(at):
        if at <= now:
            return f"exchanged token reused (exchanged {relative(now - at)} ago)"
    return "exchanged token reused (exchanged earlier)"


def read_hop(answer: object) -> DownstreamHop | None:
    """The hop in an API's JSON answer, None when it reports none."""
    if not isinstance(answer, dict) or not isinstance(answer.get("downstream"), dict):
        return None
    hop = answer["downstream"]
    status, elapsed = hop.get("status"), hop.get("elapsed_ms")
    exchange = hop.get("exchange")
    return DownstreamHop(
        api=str(hop.get("api") or "the downstream API"),
        url=str(hop.get("url") or ""),
        status=status if isinstance(status, int) else None,
        elapsed_ms=float(elapsed) if isinstance(elapsed, int | float) else None,
        exchange=exchange if isinstance(exchange, dict) else {},
        body=hop.get("body"),
        www_authenticate=hop.get("www_authenticate"),
        error=answer.get("error") if isinstance(answer.get("error"), str) else None,
        error_description=answer.get("error_description"),
    )


def exchange_line(exchange: dict) -> Text:
    """What the exchange gave, or why it was refused."""
    status = exchange.get("status")
    if status is None:
        return Text("exchange: not attempted", style="yellow")
    if status != 200:
        line = Text(f"✗ exchange: {status} {exchange.get('error') or ''}", style="bold red")
        if exchange.get("rule"):
            line.append(f" (rule {exchange['rule']})", style="red")
        if exchange.get("error_description"):
            line.append(f": {exchange['error_description']}", style="red")
        return line
    from m2m_tui.oauth.token_exchange import short_type

    reused = exchange.get("remembered") is True
    line = Text(f"✓ {reuse_words(exchange)}" if reused else f"✓ exchange: {status}")
    line.stylize("bold green")
    line.append(
        f"  {short_type(exchange.get('issued_token_type'))} for {exchange.get('aud') or '-'}, "
        f"scope {exchange.get('scope') or '-'}"
    )
    if isinstance(exchange.get("exp"), int | float):
        from m2m_tui.tokens.decoded import describe_time

        line.append(f", expires {describe_time('exp', exchange['exp'])}", style="dim")
    sentence = chain_sentence({"sub": exchange.get("sub"), "act": exchange.get("act")})
    if sentence:
        line.append(f"\n  act: {sentence}", style="cyan")
    return line


def hop_headline(hop: DownstreamHop) -> Text:
    """The hop in one line, for the top of an answer whose full hop is drawn below it:
    who answered behind the API, by whose exchange, and how."""
    line = Text("↳ behind it: ", style="bold")
    if hop.status is None:
        line.append(f"{hop.api} not reached", style="bold red")
    else:
        line.append(f"{hop.status}", style="bold green" if hop.status < 300 else "bold red")
        line.append(f" from {hop.api}")
    sentence = chain_sentence({"sub": hop.exchange.get("sub"), "act": hop.exchange.get("act")})
    if hop.reused:
        line.append(f", by an {reuse_words(hop.exchange)}", style="cyan")
        if sentence:
            line.append(f": {sentence}", style="cyan")
    elif hop.exchanged and sentence:
        line.append(f", by token exchange: {sentence}", style="cyan")
    elif hop.exchange.get("status") is not None and not hop.exchanged:
        line.append(f", the exchange refused ({hop.exchange.get('error') or '?'})", style="red")
    line.append(" (the downstream hop, below)", style="dim")
    return line


def hop_view(hop: DownstreamHop, body_limit: int = 40) -> RenderableType:
    """The hop as World Mappers received it: the exchange, the downstream call, its body."""
    parts: list[RenderableType] = [
        Text(f"Downstream hop: {hop.api}, as the API received it", style="bold")
    ]
    if hop.error:
        said = f": {hop.error_description}" if hop.error_description else ""
        parts.append(Text(f"{hop.error}{said}", style="bold red"))
    parts.append(exchange_line(hop.exchange))
    if hop.status is not None:
        took = f" ({hop.elapsed_ms:.0f} ms)" if hop.elapsed_ms is not None else ""
        call = Text(f"{hop.status}", style="bold green" if hop.status < 300 else "bold red")
        call.append(f" GET {hop.url}{took}")
        parts.append(call)
    elif hop.exchanged:
        parts.append(Text(f"{hop.api} not reached at {hop.url}", style="bold red"))
    if hop.www_authenticate:
        parts.append(Text(f"WWW-Authenticate: {hop.www_authenticate}", style="yellow"))
    if hop.body is not None:
        text = json.dumps(hop.body, indent=2, ensure_ascii=False)
        lines = text.splitlines()
        if len(lines) > body_limit:
            lines = lines[:body_limit] + [f"… ({len(text.splitlines()) - body_limit} more lines)"]
        parts.append(Text("\n".join(lines), style="dim"))
    return Group(*parts)


def hop_missing_line(reason: str, url: str | None = None) -> Text:
    """One line: the answer links a downstream hop that could not be shown, and why."""
    line = Text("Downstream hop not shown: ", style="bold yellow")
    line.append(reason, style="yellow")
    if url and url not in reason:
        line.append(f" ({url})", style="dim")
    return line
