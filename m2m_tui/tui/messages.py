"""What the tabs tell the app. Tabs never reach into each other: they post one of
these, and the app (which composed them) routes it to the tabs that care."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # the app's first frame imports this module: it stays light
    from m2m_tui.api.client import ApiEndpoint, ApiResult
    from m2m_tui.oauth.token_request import TokenOutcome


class TokenReceived(Message):
    """A token request finished, with a token or with an error."""

    def __init__(self, outcome: TokenOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class TokenExchanged(Message):
    """A token exchange answered (RFC 8693): the history, the Inspector and Why? follow."""

    def __init__(self, outcome: TokenOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class CallAnswered(Message):
    """An API call finished (or failed to reach the API)."""

    def __init__(self, endpoint: ApiEndpoint, result: ApiResult) -> None:
        super().__init__()
        self.endpoint = endpoint
        self.result = result

    @property
    def refused(self) -> bool:
        return self.result.status in (401, 403)


class TokenWanted(Message):
    """A call was asked for before any token: get one first (as the CLI's `call` does),
    then call."""


class FixApplied(Message):
    """The Why? panel granted a missing scope and got a new token (or says why not)."""

    def __init__(self, note: str, ok: bool = True) -> None:
        super().__init__()
        self.note = note
        self.ok = ok


class ShowTab(Message):
    """A tab has something to show: bring it (or another tab) to the front. With
    `only_from`, only while the user is still on that tab (else the tab gets a badge)."""

    def __init__(self, tab: str, only_from: str | None = None, badge_only: bool = False) -> None:
        super().__init__()
        self.tab = tab
        self.only_from = only_from
        self.badge_only = badge_only  # news for a tab the user did not ask for


class LabDone(Message):
    """The tamper lab sent every variant: its calls are in the history now."""


class Introspected(Message):
    """An opaque token was introspected: its scope is known, the predictions may change."""


class ApiLoaded(Message):
    """The API's endpoints (its OpenAPI document) arrived: the scopes it offers are known.
    A token inspected before then was shown against no offer, and is shown again."""


class JobFailed(Message):
    """A worker raised (tui/jobs.py): its line is on screen; a waiter for its event (the
    demo's steps) stops waiting, since the event will not come."""

    def __init__(self, line: str, group: str = "") -> None:
        super().__init__()
        self.line = line
        self.group = group  # the worker's group: "token", "call", "fix", …
