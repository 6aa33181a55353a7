"""The World Mappers directions endpoint behind Authlib's RFC 9068 validator
(`authlib.oauth2.rfc9068.JWTBearerTokenValidator`): a strict validator m2m-tui did not
write, which answers every refusal with a bare `invalid_token` and no description."""

from __future__ import annotations

from authlib.oauth2.rfc6750.errors import InsufficientScopeError, InvalidTokenError
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from joserfc.jwk import KeySet
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def authlib_api(issuer: str, audience: str, jwks: dict) -> Starlette:
    keys = KeySet.import_key_set(jwks)

    class Validator(JWTBearerTokenValidator):
        def get_jwks(self):
            return keys

    validator = Validator(issuer=issuer, resource_server=audience)

    async def directions(request: Request):
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer" or not token:
                raise InvalidTokenError()
            claims = validator.authenticate_token(token.strip())
            validator.validate_token(claims, ["directions"], request)
        except InsufficientScopeError:
            return JSONResponse(
                {"error": "insufficient_scope"},
                403,
                {"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
            )
        except InvalidTokenError:
            return JSONResponse(
                {"error": "invalid_token"},
                401,
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return JSONResponse([{"step": 1, "action": "Head north"}])

    return Starlette(routes=[Route("/api/directions", directions)])
