"""The request editor (r in the API tab): the selected endpoint's method, headers and
body, for any method, sent by the next call (c) and copied by u."""

from __future__ import annotations

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Label, Select, TextArea

from m2m_tui.api.request_parts import METHODS, RequestEdit, RequestPartError
from m2m_tui.tui.screens import ModalBase


class RequestEditor(ModalBase):
    """Dismissed with the new RequestEdit, None (Escape: unchanged) or False (reset: the
    endpoint's own method, no headers, no body)."""

    BINDINGS = [
        Binding("escape", "dismiss_screen", "Close"),
        Binding("ctrl+s", "save", "Keep", priority=True),
    ]
    # Fits 80×24: the method and the buttons share a row, the boxes scroll inside.
    DEFAULT_CSS = """
    RequestEditor > VerticalScroll { padding: 0 1; }
    RequestEditor TextArea { height: 4; }
    RequestEditor #request-body { height: 6; }
    RequestEditor #request-error { color: $error; }
    RequestEditor Horizontal { height: auto; }
    RequestEditor #method { width: 14; }
    RequestEditor Button { margin-left: 1; min-width: 10; }
    RequestEditor .close-hint { margin-top: 0; }
    """

    def __init__(self, where: str, edit: RequestEdit) -> None:
        super().__init__()
        self.where = where
        self.edit = edit

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(f"Request to {escape(self.where)}", markup=True)
            with Horizontal():
                methods = [(m, m) for m in METHODS]
                yield Select(methods, value=self.edit.method, allow_blank=False, id="method")
                yield Button("Keep ^s", id="keep", variant="primary")
                yield Button("Reset", id="reset")
            yield Label("Headers, `Name: value` one a line (Authorization: yours)")
            yield TextArea(self.edit.headers_text, id="request-headers")
            yield Label("Body: empty for none; JSON is sent as application/json")
            yield TextArea(self.edit.body, id="request-body")
            yield Label("", id="request-error")
            yield Label("Esc leaves the request as it was", classes="close-hint")

    def on_mount(self) -> None:
        self.query_one("#request-headers", TextArea).focus()

    def typed(self) -> RequestEdit:
        return RequestEdit(
            str(self.query_one("#method", Select).value),
            self.query_one("#request-headers", TextArea).text,
            self.query_one("#request-body", TextArea).text,
        )

    def action_save(self) -> None:
        edit = self.typed()
        try:
            edit.parts()
        except RequestPartError as exc:  # said here, where it can be fixed
            self.query_one("#request-error", Label).update(escape(f"✗ {exc}"))
            return
        self.dismiss(edit)

    @on(Button.Pressed, "#keep")
    def keep(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#reset")
    def reset(self) -> None:
        self.dismiss(False)
