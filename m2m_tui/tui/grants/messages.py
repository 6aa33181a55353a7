"""What the Grants screen's parts tell each other, through the screen."""

from __future__ import annotations

from textual.message import Message


class TokenTested(Message):
    """A Test produced a new token; the API tab's predictions may change."""


class Status(Message):
    """A line for the screen's status bar."""

    def __init__(self, text: str, style: str = "") -> None:
        super().__init__()
        self.text = text
        self.style = style


class Picked(Message):
    """The catalog's highlighted API and client changed (either may be None)."""

    def __init__(self, api: dict | None, client_id: str | None) -> None:
        super().__init__()
        self.api = api
        self.client_id = client_id


class TenantChanged(Message):
    """A grant, an API's scopes or the client list changed: the catalog re-reads."""
