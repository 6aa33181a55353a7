"""Access tokens in requests and refusals in responses: Bearer (RFC 6750 §2 and §3,
RFC 9728 §5.1) and DPoP (RFC 9449 §7)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from oauth_primitives.rules.closed_sets import DPOP_PROOF
from oauth_primitives.rules.findings import Finding

REALM = "worldmappers"  # World Mappers'; another API here names its own (the Routes API)


class BearerError(Exception):
    """A refusal: status, RFC 6750 error code (None when no credentials were sent at all),
    and the scheme of the challenge: "Bearer", or "DPoP" (RFC 9449 §7.1) with the
    algorithms proofs may use, and a nonce to use when one is demanded (§9)."""

    def __init__(
        self,
        status: int,
        error: str | None,
        description: str,
        scope: str | None = None,
        scheme: str = "Bearer",
        nonce: str | None = None,
        rule: str | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.scope = scope
        self.scheme = scheme
        self.nonce = nonce
        self.rule = rule  # the rule book's code for it, None for a refusal outside it
        self._response: tuple[tuple[str, str], JSONResponse] | None = None

    def response(self, resource_metadata: str, realm: str = REALM) -> JSONResponse:
        """The refusal, built once: a remembered refusal (a forged token sent again and
        again) must cost no more than an acceptance. Responses hold no per-request
        state, so one can answer many requests."""
        if self._response is None or self._response[0] != (resource_metadata, realm):
            built = self._build(resource_metadata, realm)
            self._response = ((resource_metadata, realm), built)
        return self._response[1]

    def _build(self, resource_metadata: str, realm: str) -> JSONResponse:
        params = [f'realm="{realm}"']
        if self.scheme == "DPoP":
            params.append(f'algs="{" ".join(DPOP_PROOF)}"')
        if self.error:
            params.append(f'error="{self.error}"')
            params.append(f'error_description="{self.description}"')
        if self.scope:
            params.append(f'scope="{self.scope}"')
        if self.status == 401:
            params.append(f'resource_metadata="{resource_metadata}"')
        body = {"message": self.description}
        if self.error:
            body = {"error": self.error, "error_description": self.description, **body}
        if self.scope:
            body["scope"] = self.scope
        if self.rule:  # for clients that explain refusals: the code, not the sentence
            body["rule"] = self.rule
        headers = {"WWW-Authenticate": f"{self.scheme} " + ", ".join(params)}
        if self.nonce:
            headers["DPoP-Nonce"] = self.nonce
        return JSONResponse(body, status_code=self.status, headers=headers)


def refusal(finding: Finding, scheme: str) -> BearerError:
    """The rule book's finding as this API answers it: its status and error code, and
    for a missing scope, the scope (RFC 6750 §3.1)."""
    scope = finding.values.get("scope") if finding.error == "insufficient_scope" else None
    return BearerError(
        finding.status, finding.error, finding.describe(), scope, scheme, rule=finding.code
    )


def access_token(request: Request) -> tuple[str, str]:
    """("Bearer" or "DPoP", the one token in the request): the header (RFC 6750 §2.1,
    RFC 9449 §7.1) or the query (§2.3, Bearer only), never both.

    The routes are all GET, so a form body (§2.2) cannot carry one. Read on every call:
    the header is found in the raw list (the first one, as Starlette's `Headers.get`
    would; ASGI names are lower case) without building `Headers` for it."""
    header = None
    for name, value in request.scope["headers"]:
        if name == b"authorization":
            header = value.decode("latin-1")
            break
    in_query = "access_token" in request.query_params
    if header is not None:
        scheme, _, credentials = header.strip().partition(" ")
        credentials = credentials.strip()
        if credentials:
            scheme = scheme.lower()
            if scheme == "bearer" and not in_query:
                return "Bearer", credentials
            if scheme in ("bearer", "dpop") and in_query:
                raise BearerError(
                    400, "invalid_request", "the token was sent by more than one method"
                )
            if scheme == "dpop":
                return "DPoP", credentials
    if not in_query:
        raise BearerError(401, None, "No authorization token was found")
    return "Bearer", request.query_params["access_token"]
