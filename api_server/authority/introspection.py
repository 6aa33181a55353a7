"""`POST /oauth/introspect`: RFC 7662 token introspection for the tokens this authority
issued. Any authenticated client may ask (an API asks about the tokens it is sent);
the answer is `{"active": false}` for every token that is not one of ours, live and
unrevoked, so it never says why a token is inactive (§2.2)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from oauth_primitives.rules.findings import Finding

from .authority import Authority
from .client_auth import authenticated_client
from .errors import NO_STORE, OAuthError, invalid_request
from .issued import issued_policy, issued_to, judge_issued
from .token_endpoint import read_params

# The claims passed through as they are in the token (§2.2's names).
PASSED = ("scope", "client_id", "sub", "aud", "iss", "exp", "iat", "nbf", "jti", "cnf")


async def introspect(request: Request) -> Response:
    authority: Authority = request.app.state.authority
    try:
        params = await read_params(request)
        authenticated_client(authority, params, request)
        token = params.get("token")
        if not token:
            raise invalid_request("Missing required parameter: token")
    except OAuthError as exc:
        return exc.response()
    return JSONResponse(introspection(authority, token), headers=NO_STORE)


def introspection(authority: Authority, token: str) -> dict:
    """Active when the API's rules (its leeway too) take the token and it is unrevoked."""
    claims = judge_issued(authority, token, issued_policy(authority))
    if isinstance(claims, Finding) or authority.tenant.revocations.is_revoked(str(claims["jti"])):
        return {"active": False}
    answer = {"active": True, **{k: claims[k] for k in PASSED if k in claims}}
    answer["client_id"] = issued_to(claims)
    answer["token_type"] = "DPoP" if "cnf" in claims else "Bearer"  # RFC 9449 §6
    return answer
