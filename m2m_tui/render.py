"""Rich renderables of core objects, shared by the TUI and the CLI (no Textual here)."""

from __future__ import annotations

import json

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from m2m_tui.exchange import MASK, Exchange
from m2m_tui.jwt_inspect import ClaimRow, DecodedToken, ScopeRow, relative, seconds_left
from m2m_tui.signature import SignatureCheck

THEME = "ansi_dark"


def json_block(value: object) -> Syntax:
    return Syntax(
        json.dumps(value, indent=2, ensure_ascii=False),
        "json",
        theme=THEME,
        background_color="default",
        word_wrap=True,
    )


def body_block(text: str) -> RenderableType:
    try:
        return json_block(json.loads(text))
    except ValueError:
        return Text(text[:4000] + ("…" if len(text) > 4000 else ""))


def status_style(status: int | None) -> str:
    if status is None:
        return "bold red"
    return "bold green" if status < 300 else "bold yellow" if status < 500 else "bold red"


def exchange_view(exchange: Exchange, title: str = "") -> RenderableType:
    parts: list[RenderableType] = []
    if title:
        parts.append(Text(title, style="bold"))
    parts.append(Text.assemble((exchange.method + " ", "bold cyan"), exchange.url))
    for name, value in exchange.request_headers.items():
        parts.append(Text(f"  {name}: {value}", style="dim"))
    if exchange.request_body:
        parts.append(json_block(exchange.request_body))
    if exchange.status is None:
        return Group(*parts)
    parts.append(
        Text.assemble(
            ("← ", "dim"),
            (f"{exchange.status}", status_style(exchange.status)),
            (f"  {exchange.duration_ms:.0f} ms", "dim"),
        )
    )
    for name, value in exchange.response_headers.items():
        style = "bold magenta" if name.lower() == "www-authenticate" else "dim"
        parts.append(Text(f"  {name}: {value}", style=style))
    parts.append(body_block(mask_token_in(exchange.response_text)))
    return Group(*parts)


def mask_token_in(text: str) -> str:
    """A token response shown on screen carries the token masked; the inspector shows it."""
    try:
        body = json.loads(text)
    except ValueError:
        return text
    if isinstance(body, dict) and isinstance(body.get("access_token"), str):
        token = body["access_token"]
        body["access_token"] = token[:12] + "…" + MASK if len(token) > 12 else MASK
        return json.dumps(body)
    return text


def claims_table(rows: list[ClaimRow], title: str) -> Table:
    table = Table(title=title, title_justify="left", expand=True, show_lines=False)
    table.add_column("claim", style="bold cyan", no_wrap=True)
    table.add_column("value", overflow="fold", ratio=2)
    table.add_column("meaning", style="dim", ratio=3)
    for row in rows:
        table.add_row(row.name, row.value, row.meaning)
    return table


def scopes_table(rows: list[ScopeRow]) -> Table:
    table = Table(title="Scopes against the API", title_justify="left", expand=True)
    table.add_column("scope", no_wrap=True)
    table.add_column("in this token")
    for row in rows:
        mark = (
            Text("✓ granted", style="green") if row.granted else Text("✗ not granted", style="red")
        )
        if not row.known:
            mark = Text("✓ granted (the API does not list it)", style="yellow")
        table.add_row(row.scope, mark)
    return table


def expiry_line(decoded: DecodedToken) -> Text:
    left = seconds_left(decoded)
    if left is None:
        return Text("no numeric exp: validators will refuse this token", style="bold red")
    if left > 0:
        style = "bold green" if left > 300 else "bold yellow"
        return Text(f"⏱ expires in {relative(left)}", style=style)
    return Text(f"⏱ expired {relative(left)} ago", style="bold red")


def signature_line(check: SignatureCheck | None, note: str = "") -> Text:
    if check is None:
        return Text(note or "signature: not checked yet", style="dim")
    if check.ok:
        return Text(f"✓ signature {check.reason}", style="bold green")
    return Text(f"✗ signature: {check.reason}", style="bold red")
