"""Management API errors in Auth0's shape: `{statusCode, error, message, errorCode}`."""

from __future__ import annotations

from http import HTTPStatus

from starlette.responses import JSONResponse

from ..store.conflicts import AlreadyExists, Unique


class ManagementError(Exception):
    """`rule`: the rule book's code, for a refusal of the token (sent as the token
    endpoint and the API send theirs), so that clients act on the code, not the words."""

    def __init__(self, status: int, message: str, error_code: str, rule: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code
        self.rule = rule

    def response(self) -> JSONResponse:
        body = {
            "statusCode": self.status,
            "error": HTTPStatus(self.status).phrase,
            "message": self.message,
            "errorCode": self.error_code,
        }
        if self.rule is not None:
            body["rule"] = str(self.rule)
        return JSONResponse(body, status_code=self.status)


def bad_request(message: str) -> ManagementError:
    return ManagementError(400, f"Payload validation error: {message}", "invalid_body")


def not_found(what: str, code: str) -> ManagementError:
    return ManagementError(404, f"The {what} does not exist.", code)


# Auth0's 409 words for what the tenant keeps unique, from the values that clashed.
TAKEN = {
    Unique.ORGANIZATION_NAME: "An organization named {name} already exists",
    Unique.ACTION_NAME: "An action named {name} already exists",
    Unique.CLIENT_GRANT: "A client grant for {client_id} on {audience} already exists",
    Unique.EXCHANGE_PROFILE_NAME: "A token exchange profile named {name} already exists",
}


def conflict(exc: AlreadyExists) -> ManagementError:
    return ManagementError(409, TAKEN[exc.unique].format(**exc.clash), "conflict")
