"""A refused token request's diagnosis as the user reads it, in `token`, `diagnose
--token-request` and the Token tab's Why? alike (rich renderables, as m2m_tui.views):
the cause and the fix first, then what the server answered, what was sent, and each check."""

from __future__ import annotations

import json

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from m2m_tui.diagnosis.token_request.report import RequestDiagnosis, Standing

MARK = {True: ("✓", "green"), False: ("✗", "red"), None: ("!", "yellow")}
STANDING = {
    Standing.AGREE: "the server's code and the checks here agree",
    Standing.DISAGREE: "the server's code and the checks here disagree: the server's stands",
    Standing.TOLD: "named by the server; nothing here could have foretold it",
    Standing.PREDICTED: "the server's answer does not name it: found by the checks here",
    Standing.UNTOLD: "the server's answer does not say which rule refused it",
}


def request_diagnosis_view(found: RequestDiagnosis, offer: str = "") -> RenderableType:
    """`offer`: what a key does about it (the app's "Press f…"), under the fix."""
    parts: list[RenderableType] = [_verdict(found)]
    if found.fix_text:
        parts.append(Text.assemble(("Fix: ", "bold cyan"), found.fix_text))
    if offer:
        parts.append(Text(offer, style="bold cyan"))
    for note in found.notes:
        parts.append(Text(note, style="yellow"))
    parts.append(_answer(found))
    parts.append(_sent(found))
    parts.append(_checks(found))
    return Group(*parts)


def _verdict(found: RequestDiagnosis) -> Text:
    answer = found.answer
    if answer.status == 200 and not answer.error:
        return Text("✓ Token issued (HTTP 200)", style="bold green")
    status = f"HTTP {answer.status}" if answer.status is not None else "no answer"
    line = Text.assemble(("✗ Token request refused ", "bold red"), (f"({status}", "red"))
    line.append(f" {answer.error})" if answer.error else ")", style="red")
    if found.cause is not None:
        by = {"rule": "the server's rule", "words": "the server's documented words"}.get(
            found.told_by, "the checks here"
        )
        line.append(f"\nCause: {found.cause.value}", style="bold")
        line.append(f" ({by}; {STANDING[found.standing]})", style="dim")
    else:
        line.append(f"\nCause: unknown ({STANDING[found.standing]})", style="bold yellow")
    return line


def _answer(found: RequestDiagnosis) -> Table:
    answer = found.answer
    table = Table(
        title="What the server answered", show_header=False, box=None, title_justify="left"
    )
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row("status", str(answer.status))
    table.add_row("error", answer.error or "—")
    table.add_row("error_description", answer.description or "—")
    if answer.rule is not None:
        table.add_row("rule", answer.rule.value)
    if answer.action:
        table.add_row("action", answer.action)
    for name, value in answer.headers.items():
        table.add_row(name, value)
    return table


def _sent(found: RequestDiagnosis) -> Table:
    sent = found.sent
    table = Table(title="What the client sent", show_header=False, box=None, title_justify="left")
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row("POST", sent.url)
    table.add_row("method", sent.method.value if sent.method else "none")
    table.add_row("client id", sent.client_id + ("  (from the Basic header)" if sent.basic else ""))
    for name, value in sent.asked.items():
        table.add_row(name, value)
    if sent.assertion_header is not None:
        table.add_row("assertion header", json.dumps(sent.assertion_header))
        table.add_row("assertion claims", json.dumps(sent.assertion_claims))
    if found.certificate is not None:
        cert = found.certificate
        kind = "self-signed" if cert.self_signed else "CA-issued"
        table.add_row("certificate", f"{cert.subject} ({kind}) x5t#S256 {cert.thumbprint}")
    if sent.proof is not None:
        table.add_row("DPoP proof", json.dumps(sent.proof.get("claims") or sent.proof))
    return table


def _checks(found: RequestDiagnosis) -> Table:
    table = Table(title="Checks", show_header=False, box=None, title_justify="left")
    table.add_column(no_wrap=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for check in found.checks:
        mark, style = MARK[check.ok]
        detail = Text(check.detail)
        if check.fix and check.ok is not True:
            detail.append(f"\n→ {check.fix}", style="cyan")
        table.add_row(Text(mark, style=style), check.name, detail)
    return table
