"""The API tab: the API's endpoints with a ✓/✗ prediction for the current token, their
parameters, and each call's status, headers, body and time."""

from __future__ import annotations

import time
from dataclasses import replace

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Label, Static

from m2m_tui import views
from m2m_tui.api.client import (
    ApiCall,
    ApiEndpoint,
    binding_problem,
    organization_problem,
    predict,
)
from m2m_tui.api.downstream import hop_headline, hop_missing_line, hop_view
from m2m_tui.api.request_parts import RequestEdit, replaced_credentials
from m2m_tui.session.session import Session
from m2m_tui.tokens.decoded import bound_jkt
from m2m_tui.transcript import describe_odd_answer
from m2m_tui.tui.fit import SPINNER, ellipsize, fit_widths, shorten_apart
from m2m_tui.tui.jobs import job
from m2m_tui.tui.messages import ApiLoaded, CallAnswered, ShowTab, TokenWanted
from m2m_tui.tui.screens import TextScreen

COLUMNS = ("method", "path", "scope", "prediction")


class ApiTab(Vertical):
    DEFAULT_CSS = """
    ApiTab #endpoints { height: auto; max-height: 8; }
    ApiTab #params { height: auto; padding: 0 1; }
    ApiTab #params Input { width: 1fr; }
    ApiTab #params Label { padding: 1 1 0 0; }
    ApiTab #api-response { padding: 0 1; }
    ApiTab #request-extras { padding: 0 1; color: $text-muted; height: auto; }
    """

    def __init__(self, session: Session, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.selected: ApiEndpoint | None = None
        self.param_values: dict[str, dict[str, str]] = {}
        self.in_flight: tuple[str, float] | None = None  # "GET url", since when
        self.edits: dict[str, RequestEdit] = {}  # path -> the request editor's words (r)

    def compose(self) -> ComposeResult:
        yield DataTable(id="endpoints", cursor_type="row", zebra_stripes=True)
        yield Horizontal(id="params")
        yield Static(id="request-extras", markup=False)
        with VerticalScroll():
            yield Static(id="api-response")

    def on_resize(self) -> None:
        if self.session.endpoints:
            self.refresh_predictions()

    def no_api_reason(self) -> str | None:
        """Why there is nothing to call with this profile, or None."""
        p = self.session.profile
        if p.api_base_url:
            return None
        others = [name for name, q in self.session.config.profiles.items() if q.api_base_url]
        switch = f" Press p to switch to one that has (e.g. {others[0]})." if others else ""
        return (
            f"Profile {p.name} has no API to call (no api_base_url): its tokens are for "
            f"{p.audience or p.resource or p.scope or 'its audience'}.{switch}"
        )

    def focus_content(self) -> None:
        self.query_one("#endpoints").focus()

    def forget(self) -> None:
        """A new profile: its API may have other endpoints."""
        self.selected = None

    async def load_endpoints(self) -> None:
        await self.session.load_api()
        self.post_message(ApiLoaded())
        # Highlighting a row (refresh moves the cursor) selects its endpoint, in the
        # app's own message order, so parameter boxes are never built twice at once.
        self.refresh_predictions()

    def token_facts(self) -> tuple[list[str], str | None]:
        """The current token's scopes, and what would fail on its DPoP binding."""
        decoded = self.session.status.claims_of(self.session.token)  # an opaque one: introspected
        if decoded is None:
            return [], None
        metadata = self.session.api_metadata
        required = metadata.get("dpop_bound_access_tokens_required") is True
        problem = binding_problem(bound_jkt(decoded), self.session.own_jkt(), required)
        return decoded.scopes, problem or organization_problem(decoded.payload, metadata)

    def refresh_predictions(self) -> None:
        table = self.query_one("#endpoints", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        reason = self.no_api_reason()
        if reason:
            table.display = False
            self.query_one("#api-response", Static).update(Text(reason, style="yellow"))
            return
        table.display = True
        scopes, binding = self.token_facts()
        rows = []
        for e in self.session.endpoints:
            if self.session.token:
                ok, text = predict(e, scopes, binding)
                style = "green" if ok else "red"
            else:
                text, style = "no token yet", "dim"
            rows.append((e.method, e.path, e.scope or "—", text, style))
        # The prediction is what the tab is for: path and scope give way to it.
        natural = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(COLUMNS)]
        available = (table.size.width or self.app.size.width) - 2 * len(COLUMNS) - 2
        widths = fit_widths(available, natural, shrinkable={1, 2})
        for name, width in zip(COLUMNS, widths, strict=True):
            table.add_column(name, width=width)
        paths = shorten_apart([r[1] for r in rows], widths[1])
        scopes_shown = shorten_apart([r[2] for r in rows], widths[2])
        for (method, _, _, text, style), path, scope in zip(rows, paths, scopes_shown, strict=True):
            # Text, not str (which a DataTable reads as markup): the API's own words.
            table.add_row(
                Text(method), Text(path), Text(scope), Text(ellipsize(text, widths[3]), style=style)
            )
        if self.session.endpoints:
            table.move_cursor(row=min(row, len(self.session.endpoints) - 1))

    @on(DataTable.RowHighlighted, "#endpoints")
    async def endpoint_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.session.endpoints):
            await self.select_endpoint(self.session.endpoints[event.cursor_row])

    async def select_endpoint(self, endpoint: ApiEndpoint) -> None:
        if self.selected is endpoint:
            return
        self.save_params()
        self.selected = endpoint
        values = self.param_values.setdefault(
            # A parameter with a default starts empty, its default shown as the placeholder.
            endpoint.path,
            {p.name: "" if p.default else p.example for p in endpoint.params},
        )
        box = self.query_one("#params", Horizontal)
        await box.remove_children()  # before mounting boxes that reuse the same ids
        widgets = []
        for p in endpoint.params:
            widgets.append(Label(p.name + ("*" if p.required else ""), markup=False))
            widgets.append(
                Input(
                    values.get(p.name, ""),
                    placeholder=p.placeholder,
                    id=f"param-{p.name}",
                    classes="param",
                )
            )
        await box.mount_all(widgets)
        self.show_extras()

    def show_extras(self) -> None:
        """What the next call adds to the endpoint (r's method, headers, body), if any."""
        edit = self.edits.get(self.selected.path) if self.selected else None
        extras = self.query_one("#request-extras", Static)
        extras.display = edit is not None
        extras.update(f"{edit.summary()}  (r edits)" if edit else "")

    def edit_request(self) -> None:
        """r: the selected endpoint's method, headers and body, in the request editor."""
        from m2m_tui.tui.request_editor import RequestEditor

        if self.selected is None:
            self.notify("Select an endpoint in the API tab first.", severity="warning")
            return
        endpoint = self.selected
        edit = self.edits.get(endpoint.path) or RequestEdit(endpoint.method)

        def done(new: RequestEdit | bool | None) -> None:
            if new is False or new == RequestEdit(endpoint.method):
                self.edits.pop(endpoint.path, None)
            elif new:
                self.edits[endpoint.path] = new
            self.show_extras()

        self.post_message(ShowTab("api"))
        self.app.push_screen(RequestEditor(f"{endpoint.method} {endpoint.path}", edit), done)

    def sent_as(self, endpoint: ApiEndpoint, params: dict[str, str]) -> ApiCall:
        """The call as it goes: the endpoint with its parameters and what r added."""
        base = self.session.profile.api_base_url or ""
        edit = self.edits.get(endpoint.path)
        if edit is None:
            return ApiCall(base, endpoint, params)
        headers, body = edit.parts()  # checked when the editor closed
        return ApiCall(base, replace(endpoint, method=edit.method), params, headers, body)

    async def prepare(self, path: str, params: dict[str, str]) -> ApiEndpoint | None:
        """Select the endpoint at `path` with these parameters, as a user would (the demo)."""
        for row, endpoint in enumerate(self.session.endpoints):
            if endpoint.path == path:
                self.query_one("#endpoints", DataTable).move_cursor(row=row)
                await self.select_endpoint(endpoint)
                values = self.param_values[endpoint.path]
                values.update({name: "" for name in values}, **params)
                for box in self.query(".param").results(Input):
                    box.value = values.get(box.id.removeprefix("param-"), "")
                return endpoint
        return None

    def save_params(self) -> None:
        if self.selected is None:
            return
        values = self.param_values.setdefault(self.selected.path, {})
        for box in self.query(".param").results(Input):
            values[box.id.removeprefix("param-")] = box.value

    def target(self) -> tuple[ApiEndpoint | None, dict[str, str]]:
        """The selected endpoint and its parameters as typed; a box left empty is not
        sent (its placeholder names the API's default)."""
        self.save_params()
        if self.selected is None:
            return None, {}
        typed = self.param_values.get(self.selected.path, {})
        return self.selected, {k: v for k, v in typed.items() if v != ""}

    @on(Input.Submitted, ".param")
    def param_submitted(self) -> None:
        self.call()

    def call(self) -> None:
        if reason := self.no_api_reason():
            self.notify(reason, severity="warning")
            return
        endpoint, params = self.target()
        if endpoint is None:
            self.notify("No endpoints loaded (is the API running?).", severity="warning")
            return
        self.post_message(ShowTab("api"))
        call = self.sent_as(endpoint, params)
        if not self.session.token and not replaced_credentials(call.headers):
            # A call without a token only ever earns a bare 401: get one first, as the
            # CLI's `call` does; the app calls again once it is here.
            self.notify("No token yet: getting one first, then calling.")
            self.post_message(TokenWanted())
            return
        # The old answer goes at once: what shows is what is being sent, and for how long.
        self.in_flight = (f"{call.endpoint.method} {call.url}", time.monotonic())
        self.show_progress()
        self.call_worker(call)

    def show_progress(self) -> None:
        if self.in_flight is None:
            return
        what, since = self.in_flight
        elapsed = time.monotonic() - since
        spin = SPINNER[int(elapsed * 10) % len(SPINNER)]
        self.query_one("#api-response", Static).update(
            Group(
                Text(f"→ {what}", style="bold"),
                Text(f"{spin} waiting for the answer… {elapsed:.1f} s  (Escape cancels)", "yellow"),
            )
        )

    def cancel(self) -> str | None:
        """Cancel the call in flight; what was cancelled, or None."""
        if self.in_flight is None or not any(
            w.group == "call" and w.is_running for w in self.workers
        ):
            return None
        what = self.in_flight[0]
        self.workers.cancel_group(self, "call")
        self.in_flight = None
        self.query_one("#api-response", Static).update(
            Text(f"✗ Cancelled: {what}. No answer is shown.", style="yellow")
        )
        return f"the call to {what.split('?')[0]}"

    @job("call", "The call failed")
    async def call_worker(self, call: ApiCall) -> None:
        endpoint = call.endpoint
        ticker = self.set_interval(0.1, self.show_progress)
        try:
            result = await self.session.call(
                endpoint, call.params, headers=call.headers, body=call.body
            )
        finally:
            ticker.stop()
        self.in_flight = None
        parts = []
        if result.error:
            parts.append(Text(f"✗ {result.error}", style="bold red"))
        elif odd := describe_odd_answer(result.exchange):
            parts.append(Text(f"⚠ {odd}", style="bold yellow"))
        downstream = await self.session.downstream(
            endpoint, call.params, result, headers=call.headers, body=call.body
        )
        # The call as sent and answered first, then what the API did behind it: the hop
        # is the answer's footnote, and must not push the request off a short screen.
        if downstream is not None and downstream.hop is not None:
            parts.append(hop_headline(downstream.hop))  # one line: the request stays in view
        parts.append(views.exchange_view(result.exchange))
        if downstream is not None and downstream.hop is not None:
            parts.append(hop_view(downstream.hop))  # World Mappers' call, as it received it
        elif downstream is not None:
            parts.append(hop_missing_line(downstream.reason or "", downstream.url))
        self.query_one("#api-response", Static).update(Group(*parts))
        self.post_message(CallAnswered(endpoint, result))

    def job_failed(self, group: str, line: Text) -> None:
        """The call ended in an error, not an answer: said where the wait was shown."""
        what = self.in_flight[0] if self.in_flight else None
        self.in_flight = None
        parts = [Text(f"→ {what}", style="bold"), line] if what else [line]
        self.query_one("#api-response", Static).update(Group(*parts))

    def copy_curl(self, reveal: bool) -> None:
        if reason := self.no_api_reason():
            self.notify(reason, severity="warning")
            return
        endpoint, params = self.target()
        if endpoint is None:
            self.notify("Select an endpoint in the API tab first.", severity="warning")
            return
        call = self.sent_as(endpoint, params)
        text = call.to_curl(self.session.token, reveal=reveal)
        self.app.copy_to_clipboard(text)
        note = "token revealed" if reveal else "token masked; U copies it with the token"
        self.app.push_screen(TextScreen(f"Copied as curl ({note}):", text))
