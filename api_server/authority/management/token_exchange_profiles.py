"""`/api/v2/token-exchange-profiles`: Auth0's token exchange profiles, the tenant's policy
for the token exchange grant (RFC 8693). Auth0's fields (`name`, `subject_token_type`,
`action_id`, `type`) and m2m-tui's, which the bundled authority decides by where Auth0
leaves it to the bound Action: `client_ids`, `audiences`, `scope_map`, `trusted_issuers`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from oauth_primitives.token_exchange import SUBJECT_TOKEN_TYPES

from ..authority import Authority
from ..issuer_keys import jwks_uri_problem
from ..models import TokenExchangeProfile
from .endpoint import checkpoint, endpoint, field, json_body, only, string_list
from .errors import bad_request, not_found

TYPE = "custom_authentication"  # Auth0's one profile type
FIELDS = {
    "name",
    "subject_token_type",
    "action_id",
    "type",
    "client_ids",
    "audiences",
    "scope_map",
    "trusted_issuers",
}
# Auth0 PATCHes name and subject_token_type, and keeps action_id and type as created; here
# action_id may change too (unbinding an Action is a change a demo makes), and m2m-tui's
# policy fields. A real tenant answers 400 to a changed action_id, and the CLI says so.
CHANGEABLE = FIELDS - {"type"}


def _find(authority: Authority, request: Request) -> TokenExchangeProfile:
    profile = authority.tenant.exchange_profiles.get(request.path_params["id"])
    if profile is None:
        raise not_found("token exchange profile", "inexistent_token_exchange_profile")
    return profile


def _read(authority: Authority, data: dict, creating: bool) -> dict:
    """The body's fields, each checked against the tenant: what they name must exist, so
    that a typo is said now rather than as a refused exchange later."""
    only(data, FIELDS if creating else CHANGEABLE)
    tenant = authority.tenant
    found: dict = {}
    name = field(data, "name", str, creating)
    if name is not None:
        if not 3 <= len(name) <= 50:  # Auth0's bounds
            raise bad_request("name must be 3 to 50 characters")
        found["name"] = name
    kind = field(data, "subject_token_type", str, creating)
    if kind is not None:
        if kind not in SUBJECT_TOKEN_TYPES:
            raise bad_request(f"subject_token_type must be one of {', '.join(SUBJECT_TOKEN_TYPES)}")
        found["subject_token_type"] = kind
    if field(data, "type", str) not in (None, TYPE):
        raise bad_request(f"type must be {TYPE}")
    if "action_id" in data:
        action_id = data["action_id"]
        if action_id is not None and (
            not isinstance(action_id, str) or tenant.actions.get(action_id) is None
        ):
            raise bad_request(f"action_id {action_id} names no Action of this tenant")
        found["action_id"] = action_id
    clients = string_list(data, "client_ids")
    if clients is not None:
        unknown = [c for c in clients if tenant.clients.get(c) is None]
        if unknown:
            raise bad_request("client_ids names no such client: " + ", ".join(unknown))
        found["client_ids"] = clients
    audiences = string_list(data, "audiences")
    if audiences is not None:
        unknown = [a for a in audiences if tenant.resource_servers.get(a) is None]
        if unknown:
            raise bad_request("audiences names no API of this tenant: " + ", ".join(unknown))
        found["audiences"] = audiences
    if "scope_map" in data:
        found["scope_map"] = _scope_map(data["scope_map"])
    if "trusted_issuers" in data:
        found["trusted_issuers"] = _trusted_issuers(data["trusted_issuers"])
    return found


def _scope_map(value: object) -> dict[str, list[str]]:
    if not isinstance(value, dict) or not all(
        isinstance(held, list) and all(isinstance(s, str) and s for s in held)
        for held in value.values()
    ):
        raise bad_request("scope_map must map each target scope to an array of scopes")
    return value


def _trusted_issuers(value: object) -> list[dict]:
    ok = isinstance(value, list) and all(
        isinstance(t, dict)
        and set(t) in ({"issuer", "jwks"}, {"issuer", "jwks_uri"})
        and isinstance(t["issuer"], str)
        and t["issuer"]
        and (
            isinstance(t.get("jwks"), dict)
            and isinstance(t["jwks"].get("keys"), list)
            or isinstance(t.get("jwks_uri"), str)
        )
        for t in value
    )
    if not ok:
        raise bad_request(
            'trusted_issuers must be an array of {"issuer", "jwks": {"keys": [...]}} or '
            '{"issuer", "jwks_uri": "https://..."}'
        )
    for t in value:  # type: ignore[union-attr]
        problem = jwks_uri_problem(t["jwks_uri"]) if "jwks_uri" in t else None
        if problem is not None:
            raise bad_request(f"trusted_issuers: jwks_uri {t['jwks_uri']}: {problem}")
    return value  # type: ignore[return-value]


@endpoint("read:token_exchange_profiles")
async def list_profiles(request: Request, authority: Authority) -> Response:
    profiles = [p.to_api() for p in authority.tenant.exchange_profiles.all()]
    return JSONResponse(checkpoint(request, profiles, "token_exchange_profiles"))


@endpoint("create:token_exchange_profiles")
async def create_profile(request: Request, authority: Authority) -> Response:
    fields = _read(authority, await json_body(request), creating=True)
    profile = authority.tenant.exchange_profiles.create(**fields)
    return JSONResponse(profile.to_api(), status_code=201)


@endpoint("read:token_exchange_profiles")
async def get_profile(request: Request, authority: Authority) -> Response:
    return JSONResponse(_find(authority, request).to_api())


@endpoint("update:token_exchange_profiles")
async def update_profile(request: Request, authority: Authority) -> Response:
    profile = _find(authority, request)
    for name, value in _read(authority, await json_body(request), creating=False).items():
        setattr(profile, name, value)
    return JSONResponse(authority.tenant.exchange_profiles.update(profile).to_api())


@endpoint("delete:token_exchange_profiles")
async def delete_profile(request: Request, authority: Authority) -> Response:
    if not authority.tenant.exchange_profiles.delete(request.path_params["id"]):
        raise not_found("token exchange profile", "inexistent_token_exchange_profile")
    return Response(status_code=204)
