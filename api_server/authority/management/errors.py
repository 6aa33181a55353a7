"""Management API errors in Auth0's shape: `{statusCode, error, message, errorCode}`."""

from __future__ import annotations

from http import HTTPStatus

from starlette.responses import JSONResponse


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
