"""The token exchange profiles' rows of the operations table (operations.py): Auth0's
`/api/v2/token-exchange-profiles`, with m2m-tui's policy fields (documented as
extensions: `x-m2m-tui`)."""

from __future__ import annotations

from oauth_primitives.token_exchange import SUBJECT_TOKEN_TYPES

from .management import token_exchange_profiles as profiles
from .openapi_schemas import CHECKPOINT, SCOPE_LIST, closed_object, operation, path_id

V2 = "/api/v2"
STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}}
JWKS = {"type": "object", "properties": {"keys": {"type": "array"}}, "required": ["keys"]}
TRUSTED_ISSUER = {
    "oneOf": [
        closed_object(
            {"issuer": {"type": "string", "minLength": 1}, "jwks": JWKS},
            ("issuer", "jwks"),
        ),
        closed_object(
            {
                "issuer": {"type": "string", "minLength": 1},
                "jwks_uri": {"type": "string", "pattern": "^https?://"},
            },
            ("issuer", "jwks_uri"),
        ),
    ]
}
EXTENSIONS = {
    "client_ids": {**STRINGS, "description": "The clients that may exchange through it"},
    "audiences": {**STRINGS, "description": "The APIs a token may be exchanged for"},
    "scope_map": {
        "type": "object",
        "additionalProperties": SCOPE_LIST,
        "description": "A target scope, to the subject token's scopes that permit it",
    },
    "trusted_issuers": {
        "type": "array",
        "items": TRUSTED_ISSUER,
        "description": "Other issuers whose JWTs are taken as subject tokens",
    },
}
SUBJECT_TOKEN_TYPE = {"type": "string", "enum": list(SUBJECT_TOKEN_TYPES)}
# As Auth0: name and subject_token_type change, type never (action_id here too: see the
# handler's CHANGEABLE).
CHANGEABLE = {
    "name": {"type": "string", "minLength": 3, "maxLength": 50},
    "subject_token_type": SUBJECT_TOKEN_TYPE,
    "action_id": {"type": ["string", "null"]},
    **{name: {**schema, "x-m2m-tui": True} for name, schema in EXTENSIONS.items()},
}
FIELDS = {
    **CHANGEABLE,
    "type": {"const": profiles.TYPE},
}

ROWS = (
    (
        "GET",
        f"{V2}/token-exchange-profiles",
        profiles.list_profiles,
        operation("List token exchange profiles", "200", parameters=CHECKPOINT),
    ),
    (
        "POST",
        f"{V2}/token-exchange-profiles",
        profiles.create_profile,
        operation(
            "Create a token exchange profile (RFC 8693 policy)",
            "201",
            closed_object(FIELDS, ("name", "subject_token_type")),
        ),
    ),
    (
        "GET",
        f"{V2}/token-exchange-profiles/{{id}}",
        profiles.get_profile,
        operation("Get a token exchange profile", "200", parameters=path_id()),
    ),
    (
        "PATCH",
        f"{V2}/token-exchange-profiles/{{id}}",
        profiles.update_profile,
        operation(
            "Change a token exchange profile",
            "200",
            closed_object(CHANGEABLE),
            parameters=path_id(),
        ),
    ),
    (
        "DELETE",
        f"{V2}/token-exchange-profiles/{{id}}",
        profiles.delete_profile,
        operation("Delete a token exchange profile", "204", parameters=path_id()),
    ),
)
