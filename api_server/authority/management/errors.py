"""Management API errors in Auth0's shape: `{statusCode, error, message, errorCode}`."""

from __future__ import annotations

from http import HTTPStatus

from starlette.responses import JSONResponse

from ..store.conflicts import AlreadyExists, Unique


class ManagementError(Exception):
    def __init__(self, status: int, message: str, error_code: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code

    def response(self) -> JSONResponse:
        return JSONResponse(
            {
                "statusCode": self.status,
                "error": HTTPStatus(self.status).phrase,
                "message": self.message,
                "errorCode": self.error_code,
            },
            status_code=self.status,
        )


def bad_request(message: str) -> ManagementError:
    return ManagementError(400, f"Payload validation error: {message}", "invalid_body")


def not_found(what: str, code: str) -> ManagementError:
    return ManagementError(404, f"The {what} does not exist.", code)


# Auth0's 409 words for what the tenant keeps unique, from the values that clashed.
TAKEN = {
    Unique.ORGANIZATION_NAME: "An organization named {name} already exists",
    Unique.ACTION_NAME: "An action named {name} already exists",
    Unique.CLIENT_GRANT: "A client grant for {client_id} on {audience} already exists",
}


def conflict(exc: AlreadyExists) -> ManagementError:
    return ManagementError(409, TAKEN[exc.unique].format(**exc.clash), "conflict")
