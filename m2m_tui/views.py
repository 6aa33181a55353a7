"""Rich renderables of core objects, shared by the TUI and the CLI (no Textual here)."""

from __future__ import annotations

import json

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from m2m_tui.diagnosis.causes import NAMES, Cause
from m2m_tui.tokens.decoded import (
    ClaimRow,
    DecodedToken,
    ScopeRow,
    bound_jkt,
    relative,
    seconds_left,
)
from m2m_tui.tokens.dialects import words_of
from m2m_tui.tokens.pasted import WORDS, Removed
from m2m_tui.tokens.signature import SignatureCheck
from m2m_tui.transcript import Exchange, mask_token_in

THEME = "ansi_dark"
LONG_VALUE = 240  # characters of a claim shown in the claims table


def json_block(value: object) -> Syntax:
    return Syntax(
        json.dumps(value, indent=2, ensure_ascii=False),
        "json",
        theme=THEME,
        background_color="default",
        word_wrap=True,
    )


LONG_STRING = 1000  # characters of a JSON string shown in the inspector


def shortened(value: object, limit: int = LONG_STRING) -> tuple[object, int]:
    """`value` with strings over `limit` characters cut, and how many were cut. Drawing
    kilobytes of one claim costs a terminal frame and tells a reader nothing more."""
    cut = 0

    def walk(v: object) -> object:
        nonlocal cut
        if isinstance(v, str) and len(v) > limit:
            cut += 1
            return v[:limit] + f"… ({len(v):,} characters)"
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    return walk(value), cut


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
    if exchange.request_content is not None:
        parts.append(body_block(exchange.request_content))
    if exchange.proof is not None:
        parts.append(proof_view(exchange.proof))
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


def proof_view(proof: dict) -> RenderableType:
    """The DPoP proof sent with a request (RFC 9449 §4.2), decoded: one per request,
    single-use, valid for about a minute."""
    header = dict(proof["header"])
    jwk = header.pop("jwk", {})
    if isinstance(jwk, dict) and jwk.get("kty"):
        from oauth_primitives.jwk import thumbprint

        curve = f" {jwk['crv']}" if "crv" in jwk else ""
        try:
            header["jwk"] = f"{jwk['kty']}{curve} public key, thumbprint {thumbprint(jwk)}"
        except KeyError:
            header["jwk"] = f"{jwk['kty']}{curve} public key"
    table = Table(
        title="DPoP proof (fresh for this request, single-use)",
        title_justify="left",
        expand=True,
        show_header=False,
        box=None,
        padding=(0, 1, 0, 2),
    )
    table.add_column("part", style="bold cyan", no_wrap=True)
    table.add_column("value", overflow="fold")
    for name, value in header.items():
        table.add_row(f"header.{name}", str(value))
    for name, value in proof["claims"].items():
        table.add_row(name, str(value))
    table.add_row("signature", proof["signature"])
    return table


def claims_table(rows: list[ClaimRow], title: str) -> Table:
    table = Table(title=title, title_justify="left", expand=True, show_lines=False)
    table.add_column("claim", style="bold cyan", no_wrap=True)
    table.add_column("value", overflow="fold", ratio=2)
    table.add_column("meaning", style="dim", ratio=3)
    for row in rows:
        value = row.value
        if len(value) > LONG_VALUE:  # the full text is in the JSON below
            value = value[:LONG_VALUE] + f"… ({len(row.value):,} characters)"
        table.add_row(row.name, value, row.meaning)
    return table


def scopes_view(
    rows: list[ScopeRow], width: int = 100, against: str = "the API", compared: bool = True
) -> RenderableType:
    """Scopes in columns rather than a table: a token may carry hundreds. Laid out here,
    line by line, because wrapping hundreds of styled words was most of the
    inspector's drawing time. `against`: the API compared with; not `compared`: its
    scopes are unknown, the token's listed as held."""
    cells = []
    for row in rows:
        if not compared:
            cells.append((f"• {row.scope}", ""))
        elif not row.known:
            cells.append((f"✓ {row.scope}", "yellow"))
        elif row.granted:
            cells.append((f"✓ {row.scope}", "green"))
        else:
            cells.append((f"✗ {row.scope}", "red"))
    cell = max((len(c) for c, _ in cells), default=0) + 3
    per_line = max(1, width // cell) if cell else 1
    text = Text(no_wrap=True, overflow="ellipsis")
    for i, (label, style) in enumerate(cells):
        if i and i % per_line == 0:
            text.append("\n")
        text.append(label.ljust(cell) if (i + 1) % per_line else label, style=style)
    granted = sum(r.granted for r in rows)
    if not compared:
        legend = Text.assemble(("Scopes the token holds", "bold"), f"  not compared: {against}")
        return Group(legend, text)
    legend = Text.assemble(
        (f"Scopes against {against}", "bold"),
        (f"  {granted} granted · {sum(not r.granted for r in rows)} not granted", "dim"),
        ("  (yellow: granted, but the API does not list it)", "dim")
        if any(not r.known for r in rows)
        else "",
    )
    return Group(legend, text)


def expiry_line(decoded: DecodedToken) -> Text:
    left = seconds_left(decoded)
    if left is None:
        return Text("no numeric exp: validators will refuse this token", style="bold red")
    if left > 0:
        style = "bold green" if left > 300 else "bold yellow"
        return Text(f"◷ expires in {relative(left)}", style=style)
    return Text(f"◷ expired {relative(left)} ago", style="bold red")


class Flow:
    """Segments side by side, two spaces apart, each kept whole: one that does not fit
    in what is left of a line starts the next, so a narrow screen never breaks a value
    in its middle (`◷ expires in 23` / `h 59 m`)."""

    def __init__(self, segments: list[Text], gap: int = 2) -> None:
        self.segments = segments
        self.gap = gap

    def __rich_console__(self, console, options):
        line = Text()
        for segment in self.segments:
            if line and line.cell_len + self.gap + segment.cell_len > options.max_width:
                yield line
                line = Text()
            if line:
                line.append(" " * self.gap)
            line.append_text(segment)
        if line:
            yield line


def token_summary(decoded: DecodedToken) -> Flow:
    """One line for the Token tab (more on a narrow screen, never breaking a value): who,
    for what, holding which scopes, for how long."""
    aud = decoded.payload.get("aud")
    audience = " ".join(map(str, aud)) if isinstance(aud, list) else str(aud or "no audience")
    sub = str(decoded.payload.get("sub") or "no subject")
    segments = [
        Text.assemble((sub, "bold"), (" → ", "dim"), (audience, "bold")),
        Text.assemble(("scopes ", "dim"), (" ".join(decoded.scopes) or "none", "cyan")),
    ]
    if bound_jkt(decoded):
        segments.append(Text("DPoP-bound", style="bold yellow"))
    org_id, org_name = decoded.payload.get("org_id"), decoded.payload.get("org_name")
    if isinstance(org_id, str):  # Organizations for M2M: whose data it may touch
        shown = f"{org_name} ({org_id})" if isinstance(org_name, str) else org_id
        segments.append(Text.assemble(("organization ", "dim"), (shown, "bold magenta")))
    segments.append(expiry_line(decoded))
    return Flow(segments)


def binding_line(jkt: str | None, own_jkt: str | None) -> Text | None:
    """For a DPoP-bound token: that every call needs a proof, and whether this
    profile's key is the one it is bound to. None for a bearer token."""
    if jkt is None:
        return None
    text = Text("🔑 bound: a proof is needed on every call (cnf.jkt " + jkt + "); ", style="bold")
    if own_jkt is None:
        text.append("this profile has no DPoP key (dpop = true)", style="bold red")
    elif own_jkt == jkt:
        text.append("✓ matches this profile's key", style="bold green")
    else:
        text.append(f"✗ bound to another key (this profile's is {own_jkt})", style="bold red")
    return text


def certificate_line(x5t: str | None, own: str | None) -> Text | None:
    """For a certificate-bound token (RFC 8705): that calls need mutual TLS with one
    certificate, and whether this profile's is it. None for an unbound token."""
    if x5t is None:
        return None
    text = Text(
        "🔒 bound to a client certificate: calls need mutual TLS with it (cnf.x5t#S256 "
        + x5t
        + "); ",
        style="bold",
    )
    if own is None:
        text.append(
            "this profile presents no certificate (client_certificate, client_key)",
            style="bold red",
        )
    elif own == x5t:
        text.append("✓ this profile's certificate", style="bold green")
    else:
        text.append(f"✗ another certificate than this profile's ({own})", style="bold red")
    return text


def signature_line(check: SignatureCheck | None, note: str = "") -> Text:
    if check is None:
        return Text(note or "signature: not checked yet", style="dim")
    if check.ok:
        return Text(f"✓ signature {check.reason}", style="bold green")
    return Text(f"✗ signature: {check.reason}", style="bold red")


def dialect_line(decoded: DecodedToken) -> Text | None:
    """Which of Auth0's token dialects (the API's token_dialect) made this token."""
    from oauth_primitives.token_shape import dialect_of

    dialect = dialect_of(decoded.header, decoded.payload)
    if dialect is None:
        return None
    return Text.assemble(("dialect ", "dim"), (dialect, "bold"), (f"  {words_of(dialect)}", "dim"))


def diagnosis_view(diagnosis, target: str = "") -> RenderableType:
    """The checklist: failing checks stand out with their fix; passing ones stay quiet."""
    parts: list[RenderableType] = []
    verdict = diagnosis.verdict
    style = "bold green" if verdict == "accepted" else "bold red"
    parts.append(Text.assemble((f"{verdict.upper()}", style), ("  " + target, "dim")))
    server = diagnosis.server
    if server is not None and server.status is not None:
        challenge = server.www_authenticate
        said = ", ".join(
            f"{k}={v}"
            for k, v in challenge.items()
            if k in ("error", "error_description", "scope", "resource_metadata")
        )
        parts.append(
            Text.assemble(
                ("server: ", "bold"),
                (str(server.status), status_style(server.status)),
                ("  " + said if said else "", "magenta"),
            )
        )
        if server.request_failed:
            parts.append(
                Text(
                    f"The token was not refused; the request failed: {server.failure()}",
                    style="bold yellow",
                )
            )
    if diagnosis.cleaned:
        said = ", ".join(WORDS[Removed(r)] for r in diagnosis.cleaned)
        parts.append(Text(f"Pasted text cleaned: removed {said}; the cleaned token was sent."))
    for cause in diagnosis.causes:
        parts.append(Text.assemble(("Cause: ", "bold"), (NAMES[Cause(cause)], "bold yellow")))
    # A grid, not indented lines: a long detail wraps under itself, not under the marks.
    # The spaces are the cells' own (not grid padding), so the text reads "✗ scope".
    checks = Table.grid(expand=True)
    checks.add_column(no_wrap=True)
    checks.add_column(no_wrap=True, min_width=10)
    checks.add_column(ratio=1)
    for check in diagnosis.checks:
        if check.ok is True:
            checks.add_row("  ✓ ", f"{check.name} ", check.detail, style="dim")
        elif check.ok is None:
            checks.add_row("  · ", f"{check.name} ", check.detail, style="dim italic")
        else:
            checks.add_row("  ✗ ", f"{check.name} ", check.detail, style="bold red")
            if check.fix:
                checks.add_row("", "", Text(f"fix: {check.fix}", style="yellow"))
    parts.append(checks)
    if diagnosis.agreement_text:
        parts.append(Text(diagnosis.agreement_text, style="cyan"))
    return Group(*parts)


def lab_table(rows) -> Table:
    """The tamper lab: each variant, what the server answered, what the checks say."""
    table = Table(
        title="Tamper lab: the current token, broken one way at a time",
        title_justify="left",
        expand=True,
        show_lines=True,
    )
    table.add_column("variant", style="bold", no_wrap=True)
    table.add_column("what changed", ratio=2)
    table.add_column("server", ratio=2)
    table.add_column("local checks", ratio=2)
    for variant, diagnosis, result in rows:
        server = diagnosis.server
        if server is None or server.status is None:
            said = Text(result.error or "no answer", style="red")
        else:
            text = server.www_authenticate.get("error_description") or ""
            said = Text.assemble(
                (str(server.status), status_style(server.status)),
                (f" {text}" if text else "", "magenta"),
            )
        failed = diagnosis.failed
        local = (
            Text("✗ " + ", ".join(failed), style="red")
            if failed
            else Text("✓ all pass", style="green")
        )
        if diagnosis.disagrees:
            local.append("  (disagrees with the server)", style="yellow")
        table.add_row(variant.name, variant.what, said, local)
    return table


def scope_diff_line(added: list[str], removed: list[str], kept: list[str]) -> Text:
    text = Text("scopes: ", style="bold")
    for scope in kept:
        text.append(f"{scope} ", style="dim")
    for scope in added:
        text.append(f"+{scope} ", style="bold green")
    for scope in removed:
        text.append(f"-{scope} ", style="bold red strike")
    if not added and not removed:
        text.append("(unchanged)", style="dim")
    return text


def token_diff_view(diff) -> RenderableType:
    parts: list[RenderableType] = [
        scope_diff_line(diff.added_scopes, diff.removed_scopes, diff.kept_scopes)
    ]
    table = Table(expand=True, title="Claims that differ", title_justify="left")
    table.add_column("claim", style="bold cyan", no_wrap=True)
    table.add_column("before", overflow="fold")
    table.add_column("after", overflow="fold")
    for change in diff.claims:
        style = "dim" if change.volatile else "yellow"
        table.add_row(Text(change.claim, style=style), str(change.before), str(change.after))
    parts.append(table)
    return Group(*parts)


def preview_lines(found, real: dict | None = None, real_header: dict | None = None):
    """A token preview (preview.next_token.Preview): its claims with where each comes from,
    what Auth0's rules left out, and the API's verdict per endpoint. With `real` (the
    claims of the token that then came), a column beside it says where that differs."""
    from m2m_tui.preview.next_token import PER_TOKEN, differences

    title = Text.assemble(
        ("Next token ", "bold"),
        f"for {found.client_id} → {found.audience}  ",
        (f"dialect {found.dialect}{' · RBAC on' if found.rbac else ''}", "dim"),
    )
    parts: list[RenderableType] = [title]
    if found.refusal is not None:
        return _preview_refusal(found, parts)
    marked = differences(found, real, real_header or {}) if real is not None else {}
    table = Table(box=None, pad_edge=False, show_header=True, header_style="dim")
    # Names whole, never broken mid-word (80 columns): the values wrap, a long URL folds.
    names = [*found.claims, *(n for n in marked if n not in found.claims)]
    table.add_column("claim", no_wrap=True, min_width=max(map(len, names), default=5))
    table.add_column("previewed", overflow="fold")
    table.add_column("from")
    if real is not None:
        table.add_column("the token", overflow="fold")
    for name, value in found.claims.items():
        mark = marked.get(name)
        style = "yellow" if mark else ("cyan" if found.origins[name].action is not None else "")
        cells = [name, _previewed(name, value, found.claims.get("iat")), str(found.origins[name])]
        if real is not None:
            same = "(new per token)" if name in PER_TOKEN else "= same"
            cells.append(
                f"≠ {_shown(real[name])}"
                if mark == "changed"
                else "≠ not in it"
                if mark == "missing"
                else same
            )
        table.add_row(*cells, style=style)
    for name in marked:
        if name not in found.claims and real is not None and name in real:
            table.add_row(name, "", "not previewed", f"≠ {_shown(real[name])}", style="yellow")
    if found.claims:
        parts.append(table)
    if real is not None:
        parts.append(
            Text(f"The token differs from the preview in: {', '.join(sorted(marked))}", "yellow")
            if marked
            else Text(
                "✓ The token is the preview (but iat, exp and jti, new in each token)", "green"
            )
        )
    parts += [
        Text(f"✗ {name} left out ({action}): {why}", "yellow")
        for name, action, why in found.left_out
    ]
    parts += [Text(f"note: {note}", "dim") for note in found.notes]
    parts += [Text(f"log ({action}): {line}", "dim") for action, line in found.logs]
    if found.answers:
        parts.append(Text("The API's verdict on it", "bold"))
    for v in found.answers:
        head = f"{'✓' if v.ok else '✗'} {v.method} {v.path}"
        parts.append(
            Text(head + ("" if v.ok else f" — {v.why} [{v.code}]"), "green" if v.ok else "red")
        )
    return Group(*parts)


def _preview_refusal(found, parts: list[RenderableType]):
    """A previewed refusal: no token will exist, so no claims table; the refusal, what
    would have to change (the token endpoint's own hint for it), and what the Actions
    logged on the way."""
    from m2m_tui.oauth.token_hints import hint_for

    error, words = found.refusal.error, found.refusal_words
    parts.append(Text(f"✗ no token: the authority refuses ({error}): {words}", "bold red"))
    if hint := hint_for(error, found.rule, None, {}, {}, action=found.refused_by):
        parts.append(Text(f"→ {hint}", "yellow"))
    parts += [Text(f"note: {note}", "dim") for note in found.notes]
    parts += [Text(f"log ({action}): {line}", "dim") for action, line in found.logs]
    return Group(*parts)


def _previewed(name: str, value: object, iat: object) -> str:
    """A previewed claim's value; exp also as the lifetime it gives the token."""
    if name == "exp" and isinstance(value, int) and isinstance(iat, int):
        return f"{value} (iat + {relative(value - iat)})"
    return _shown(value)


def _shown(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)
