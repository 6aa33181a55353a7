"""Modal screens: profile picker, secret prompt, help, and a text viewer for copies."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static

HELP = """\
# m2m-tui keys

| Key | Action |
|---|---|
| `t` | get a token (reuses a cached one while it is valid) |
| `n` | get a **new** token, bypassing the cache |
| `x` | on the Token tab: **exchange** the token (RFC 8693) as another profile's client |
| `escape` | cancel the request in flight (token, call, lab, Why?, Grants); leave a text box |
| `P` | Preview: the next token, its claims' origins, the API's verdict; after `t`, both |
| `P` | on the Preview tab: preview anew (the token beside the preview goes) |
| `i` | inspector (cursor in its paste box): decoded claims, expiry, scopes, signature |
| `c` | call the selected API endpoint with the token (none yet: gets one first) |
| `r` | edit the selected endpoint's request: any method, headers, a body |
| `a` | API tab |
| `h` | history of this session's token requests and calls |
| `p` | switch profile |
| `g` | Grants: authorize clients, pick scopes, Update, Test (scope diff), signing keys |
| `d` | Why?: diagnose the token against the selected endpoint |
| `l` | tamper lab: broken variants of the token, sent and diagnosed |
| `f` | in Why?, apply the missing-scope fix |
| `m`, `x` | in History: mark a token, then diff another against it |
| `J` | in the inspector: the header and payload in full (long strings are shortened there) |
| `e` | export the history to a JSON file, secrets and tokens masked |
| `y` | copy the token to the clipboard |
| `v` | revoke the token (RFC 7009) at the authorization server, and drop it from the cache |
| `u` / `U` | copy the selected call as curl (token masked / revealed) |
| `F1`, `?` | this help |
| `ctrl+p` | command palette: every action |
| `q` | quit |

In the inspector, paste any token into the box at the top and press Enter.
In the API tab, move through endpoints with the arrow keys, edit the
parameters, and press `c` (or Enter in a parameter box) to send.
"""


class ModalBase(ModalScreen):
    BINDINGS = [Binding("escape", "dismiss_screen", "Close")]
    DEFAULT_CSS = """
    ModalBase { align: center middle; }
    ModalBase > Vertical, ModalBase > VerticalScroll {
        width: 80%; max-width: 100; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 1 2;
    }
    ModalBase .close-hint { color: $text-muted; margin-top: 1; }
    """

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)


CLOSE_HINT = "Esc to close"


class HelpScreen(ModalBase):
    BINDINGS = [Binding("escape,q,f1,question_mark", "dismiss_screen", "Close")]

    def compose(self) -> ComposeResult:
        # Imported when help is first opened: Markdown brings markdown-it, a tenth of the
        # app's import time, which the first screen need not wait for.
        from textual.widgets import Markdown

        with VerticalScroll():
            yield Markdown(HELP)
            yield Label(f"{CLOSE_HINT} (or ?, F1, q)", classes="close-hint")


class ProfileScreen(ModalBase):
    def __init__(
        self,
        names: list[str],
        current: str,
        title: str = "Switch profile",
        details: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.names = names
        self.current = current
        self.title_text = title
        self.details = details or {}  # beside each name: what picking it means

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{self.title_text} (Enter selects, Escape closes)")
            options = OptionList(
                *[self.label(n) for n in self.names],
                id="profiles",
                markup=False,  # a profile's name is shown as written in the config
            )
            yield options

    def label(self, name: str) -> str:
        mark = "● " if name == self.current else "  "
        width = max(map(len, self.names), default=0)
        detail = self.details.get(name)
        return f"{mark}{name.ljust(width)}  {detail}" if detail else f"{mark}{name}"

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self.names.index(self.current) if self.current in self.names else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.names[event.option_index])


class SecretPrompt(ModalBase):
    def __init__(self, profile: str) -> None:
        super().__init__()
        self.profile = profile

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Client secret for profile {escape(self.profile)} (kept in memory only)")
            yield Input(password=True, id="secret")
            yield Label(f"Enter to use it · {CLOSE_HINT}", classes="close-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value or None)


class TextScreen(ModalBase):
    """Shows a text in full: what was copied (not every terminal passes the clipboard
    through), or a token's whole JSON."""

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(self.title_text)
            yield Static(self.text, id="copied", markup=False)
            yield Label(CLOSE_HINT, classes="close-hint")
