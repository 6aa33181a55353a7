"""A diagnosis: the checks, what the server answered, and how the two stand to each
other (an Agreement, with its words beside it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

from m2m_tui.diagnosis.check import Check
from m2m_tui.diagnosis.server_answer import ServerAnswer
from oauth_primitives.rules import Code
from oauth_primitives.rules.table import place


class Agreement(StrEnum):
    """How the server's answer and the checks stand to each other; `agreement_text`
    says it in words beside. Views and tests compare the value, never the words."""

    AGREE = "agree"
    REQUEST_FAILED = "request_failed"  # not a refusal of the token: the request failed
    SERVER_REFUSED_MORE = "server_refused_more"  # checks pass, the server refused
    SERVER_ACCEPTED_MORE = "server_accepted_more"  # checks fail, the server accepted


class Verdict(StrEnum):
    """The diagnosis's verdict on the token alone (the one verdict in m2m-tui: Preview
    predicts endpoint answers, and the rule table finds findings)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass
class Diagnosis:
    checks: list[Check]
    server: ServerAnswer | None
    agreement_text: str = ""
    agreement: Agreement | None = None
    # Where the Management API was asked: its OrganizationPlan (m2m_tui.admin) for a
    # failed organization check, which the Why? panel's f applies.
    organization_plan: object = None
    # What was removed from the pasted text before the call (m2m_tui.tokens.pasted's
    # Removed codes): the token sent, and checked, is the cleaned one.
    cleaned: tuple[str, ...] = ()
    # The clock leeway this API must allow, learned from its answer: it took a token
    # this far past exp (or before nbf). None where its answer shows nothing of it.
    leeway_at_least: float | None = None

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if c.ok is False]

    @property
    def rule(self) -> Code | None:
        """The rule book's code the bundled API would answer with: of the failed checks,
        the one whose row comes first in the rule table (a time check's own row, for
        a NumericDate that is not a number)."""
        failed = [c for c in self.checks if c.ok is False and c.code]
        return min(failed, key=lambda c: place(c.code, c.name)).code if failed else None

    @property
    def causes(self) -> list[str]:
        """The known causes of the failed checks (Cause codes), each once, in check order."""
        return list(dict.fromkeys(c.cause for c in self.checks if c.cause and c.ok is False))

    @property
    def disagrees(self) -> bool:
        return self.agreement in (Agreement.SERVER_REFUSED_MORE, Agreement.SERVER_ACCEPTED_MORE)

    @property
    def verdict(self) -> Verdict:
        """About the token alone: a request that failed for another reason (a missing
        parameter, an unknown path) does not make the token rejected."""
        if self.server is not None and self.server.status is not None:
            return Verdict.REJECTED if self.server.refused_token else Verdict.ACCEPTED
        return Verdict.REJECTED if self.failed else Verdict.ACCEPTED

    @property
    def outcome(self) -> str | None:
        """What the server did: "succeeded", "token_refused" or "request_failed"
        (the token was not refused, the request failed for its own reasons)."""
        server = self.server
        if server is None or server.status is None:
            return None
        if server.refused_token:
            return "token_refused"
        return "request_failed" if server.request_failed else "succeeded"

    def to_json(self) -> dict:
        server = None
        if self.server is not None:
            server = {
                "status": self.server.status,
                "www_authenticate": self.server.www_authenticate,
                "message": self.server.message,
                "rule": self.server.rule,
            }
        return {
            "verdict": self.verdict,
            "outcome": self.outcome,
            "failed": self.failed,
            "rule": self.rule,
            "causes": self.causes,
            "cleaned": list(self.cleaned),
            "leeway_at_least": self.leeway_at_least,
            "checks": [asdict(c) for c in self.checks],
            "server": server,
            # The code, as "rule" and "causes" are codes; its words beside it.
            "agreement": self.agreement.value if self.agreement else None,
            "agreement_text": self.agreement_text,
        }
