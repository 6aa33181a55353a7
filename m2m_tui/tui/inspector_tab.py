"""The Inspector tab: a token decoded, each claim explained, expiry counting down, scopes
against what the API offers, and the signature checked against the issuer's JWKS."""

from __future__ import annotations

import json
import time

from rich.console import Group
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Collapsible, Input, Static

from m2m_tui import views
from m2m_tui.session.session import Inspection, Session
from m2m_tui.session.token_api import ApiScopes
from m2m_tui.tokens.act_chain import act_chain_view
from m2m_tui.tokens.decoded import bound_jkt, describe_claims, describe_header, scopes_against
from m2m_tui.tui.jobs import job
from m2m_tui.tui.messages import Introspected
from m2m_tui.tui.screens import TextScreen
from oauth_primitives.rules.access_token import bound_x5t


class PasteBox(Input):
    """The inspector's box: a paste keeps every line (Textual's Input keeps the first),
    since a token copied from a log or an email comes wrapped over several; the session
    cleans it. Masked, the line breaks show as nothing more than dots."""

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # Input's own handler would insert the first line again
        event.stop()
        if event.text:
            self.insert_text_at_cursor(event.text.strip())


class InspectorTab(Vertical):
    DEFAULT_CSS = """
    InspectorTab #paste { margin: 0 1; }
    InspectorTab #expiry, InspectorTab #inspection, InspectorTab #inspection-json {
        padding: 0 1;
    }
    """
    BINDINGS = [Binding("J", "full_json", "Full JSON", show=False)]

    def __init__(self, session: Session, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.inspection: Inspection | None = None
        self.api_scopes: ApiScopes | None = None  # the API the inspected token is for
        self.rendered_at = 0.0

    def compose(self) -> ComposeResult:
        # Shown as dots: a pasted token must not end up in a screenshot.
        yield PasteBox(
            placeholder="Paste any token here and press Enter (shown masked)",
            password=True,
            id="paste",
        )
        with VerticalScroll(id="inspection-scroll"):
            yield Static(id="expiry")
            yield Static(id="inspection")
            # Folded: the tables above say the same, and a folded section costs nothing
            # to draw (a large token's JSON was a third of a frame).
            with Collapsible(title="Raw JSON: header and payload", id="raw-json"):
                yield Static(id="inspection-json")

    def focus_content(self) -> None:
        self.query_one("#inspection-scroll").focus()
        if self.inspection is None:
            self.render_inspection()

    def focus_paste(self) -> None:
        self.query_one("#paste", Input).focus()
        if self.inspection is None:
            self.render_inspection()

    def on_paste(self, event: events.Paste) -> None:
        # A bracketed paste anywhere on the inspector: the box, not the shortcuts.
        if event.text.strip() and not isinstance(self.app.focused, Input):
            event.stop()
            self.land_paste(event.text)

    def land_paste(self, text: str) -> None:
        """A paste anywhere on the inspector goes into its box, never onto shortcuts."""
        box = self.query_one("#paste", Input)
        box.value = text.strip()
        box.cursor_position = len(box.value)
        box.focus()

    @property
    def raw(self) -> str | None:
        """The inspected token (pasted or received), if any."""
        return self.inspection.raw if self.inspection else None

    def forget(self) -> None:
        self.inspection = None
        self.api_scopes = None
        self.render_inspection()

    @on(Input.Submitted, "#paste")
    def pasted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.inspect(event.value)
        else:
            self.notify("Paste a token first.", severity="warning")

    @job("inspect", "The inspection failed")
    async def inspect(self, raw: str) -> None:
        inspection = await self.session.explainer.inspect(raw)
        claims = inspection.decoded.payload if inspection.decoded else inspection.introspected
        # A token exchanged for another API is compared with that API's scopes.
        self.api_scopes = await self.session.api_scopes(claims) if claims else None
        self.inspection = inspection
        self.render_inspection()
        if self.inspection.introspected is not None:
            # The predictions can now read the opaque token's scope.
            self.post_message(Introspected())

    def job_failed(self, group: str, line: Text) -> None:
        """No inspection to show: the reason in its place, not the last token's."""
        self.inspection = None
        self.render_inspection()
        self.query_one("#inspection", Static).update(line)

    def render_inspection(self) -> None:
        view = self.query_one("#inspection", Static)
        self.rendered_at = time.monotonic()
        self.render_expiry()
        ins = self.inspection
        self.query_one("#raw-json", Collapsible).display = bool(ins and ins.decoded)
        if ins is None:
            view.update(Text("No token yet: press t, or paste one above.", style="dim"))
            return
        cleaned = (
            [Text(f"Pasted text cleaned: {ins.cleaned}.", style="cyan")] if ins.cleaned else []
        )
        if ins.introspected is not None:
            view.update(Group(*cleaned, self.introspection_view(ins)))
            return
        if ins.decoded is None:
            view.update(Group(*cleaned, Text(ins.problem or "not a token", style="bold red")))
            return
        d = ins.decoded
        self.query_one("#inspection-json", Static).update(
            Group(*self.json_parts("Header", d.header), *self.json_parts("Payload", d.payload))
        )
        binding = views.binding_line(bound_jkt(d), self.session.own_jkt())
        own = self.session.explainer.presented_certificate()
        certificate = views.certificate_line(bound_x5t(d.payload), own)
        dialect = views.dialect_line(d)
        view.update(
            Group(
                *cleaned,
                *([binding] if binding else []),
                *([certificate] if certificate else []),
                views.signature_line(ins.signature, ins.signature_note),
                *([dialect] if dialect else []),
                *([chain] if (chain := act_chain_view(d.payload)) else []),
                views.claims_table(describe_claims(d, relative_to_now=False), "Claims"),
                self.scopes_part(d),
                views.claims_table(describe_header(d), "Header"),
            )
        )

    def introspection_view(self, ins) -> Group:
        """An opaque token: what its issuer said of it (RFC 7662), as claims."""
        said = self.session.status.claims_of(ins.raw)
        assert said is not None  # an active token's answer, kept by the session
        binding = views.binding_line(bound_jkt(said), self.session.own_jkt())
        return Group(
            Text(
                "Opaque token (a reference, not a JWT): what the authorization server says "
                "of it (RFC 7662 introspection); no signature to check",
                style="bold",
            ),
            *([binding] if binding else []),
            views.claims_table(describe_claims(said, relative_to_now=False), "Introspection"),
            self.scopes_part(said),
        )

    def scopes_part(self, token):
        """The token's scopes against the API it is for (the profile's, or the one an
        exchanged token names in aud)."""
        found = self.api_scopes
        if found is None or found.own:
            offered, against = self.session.offered_scopes, "the API"
        else:
            offered, against = found.offered or [], found.api
        return views.scopes_view(
            scopes_against(token, offered),
            max(20, self.app.size.width - 4),  # the view may not be laid out yet
            against,
            compared=found is None or found.offered is not None,
        )

    @staticmethod
    def json_parts(title: str, value: dict) -> list:
        shown, cut = views.shortened(value)
        note = f"  {cut} long string(s) shortened; J shows it all" if cut else ""
        return [Text.assemble((title, "bold"), (note, "dim")), views.json_block(shown)]

    def action_full_json(self) -> None:
        ins = self.inspection
        if not (ins and ins.decoded):
            self.notify("Inspect a token first.", severity="warning")
            return
        text = json.dumps({"header": ins.decoded.header, "payload": ins.decoded.payload}, indent=2)
        self.app.push_screen(TextScreen("The token's header and payload, in full:", text))

    def render_expiry(self) -> None:
        ins = self.inspection
        known = self.session.status.claims_of(ins.raw) if ins and ins.introspected else None
        known = ins.decoded if ins and ins.decoded else known
        line = views.expiry_line(known) if known else ""
        self.query_one("#expiry", Static).update(line)

    def tick(self) -> None:
        """The live countdown: the expiry line every second (the claims table gives the
        dates alone, which never go stale); the whole inspector once a minute (what it
        judges by the time, an expiry say), as it is costly to draw."""
        ins = self.inspection
        if not (ins and (ins.decoded or ins.introspected)):
            return
        if time.monotonic() - self.rendered_at >= 60:
            self.render_inspection()
        else:
            self.render_expiry()
