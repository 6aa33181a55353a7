"""`POST /oauth/revoke`: RFC 7009 token revocation. A client may revoke the access
tokens issued to it; from then on introspection says `active: false`, and an API that
introspects refuses the token at once (one that only validates the JWT accepts it
until its exp). The jti is remembered until the token's exp, in the tenant."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from oauth_primitives.rules.findings import Code, Finding

from .authority import Authority
from .client_auth import authenticated_client
from .errors import NO_STORE, OAuthError, invalid_request
from .issued import issued_policy, issued_to, judge_issued
from .token_endpoint import read_params


async def revoke(request: Request) -> Response:
    authority: Authority = request.app.state.authority
    try:
        params = await read_params(request)
        client = authenticated_client(authority, params, request)
        token = params.get("token")
        if not token:
            raise invalid_request("Missing required parameter: token")
        hint = params.get("token_type_hint")
        if hint not in (None, "access_token", "refresh_token"):
            raise OAuthError(
                400, "unsupported_token_type", f"token_type_hint {hint} is not supported"
            )
        # Its exp is not judged: whose an expired token of ours is still matters (§2.1).
        claims = judge_issued(authority, token, issued_policy(authority), (Code.EXPIRED,))
        # §2.2: a token that is invalid, expired or unknown is answered 200 all the same,
        # as there is nothing left to revoke.
        if not isinstance(claims, Finding):
            owner = issued_to(claims)
            if owner != client.client_id:  # §2.1: only the client the token was issued to
                raise OAuthError(
                    400,
                    "unauthorized_client",
                    f"The token was issued to another client ({owner}), not {client.client_id}",
                )
            if not authority.tenant.revocations.revoke_token(
                str(claims["jti"]), float(claims["exp"])
            ):
                raise OAuthError(
                    503,
                    "temporarily_unavailable",
                    "Too many revoked tokens are remembered; retry once some have expired",
                    {"Retry-After": "60"},
                )
    except OAuthError as exc:
        return exc.response()
    return Response(status_code=200, headers=NO_STORE)
