"""Token-endpoint errors as RFC 6749 §5.2 describes them."""

from __future__ import annotations

from starlette.responses import JSONResponse

from oauth_primitives.rules.refused import Refused
from oauth_primitives.token_refusals import ACTION_REFUSALS, Refusal

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """A refusal: its RFC 6749 error and words, and (for the token endpoint's own
    decisions) the `Refusal` code that clients act on, sent as `rule`, with the values a
    client needs to name the fix (`extra`: the Action an Action's refusal comes from)."""

    def __init__(
        self,
        status: int,
        error: str,
        description: str,
        headers: dict[str, str] | None = None,
        rule: Refusal | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or {}
        self.rule = rule
        self.extra = extra or {}

    def response(self) -> JSONResponse:
        body = {"error": self.error, "error_description": self.description}
        if self.rule is not None:
            body["rule"] = str(self.rule)
        body.update(self.extra)  # members of its own, as `rule` is: other clients ignore them
        return JSONResponse(
            body,
            status_code=self.status,
            headers={**NO_STORE, **self.headers},
        )


def invalid_request(description: str, rule: Refusal | None = None) -> OAuthError:
    return OAuthError(400, "invalid_request", description, rule=rule)


def refused_error(refused: Refused, headers: dict[str, str] | None = None) -> OAuthError:
    """A rule book refusal as the token endpoint answers it: its words are the rule
    book's, from its code and values."""
    named = refused.values.get("action") if refused.code in ACTION_REFUSALS else None
    extra = {"action": named} if named else None
    return OAuthError(
        refused.status, refused.error, refused.describe(), headers, refused.code, extra
    )
