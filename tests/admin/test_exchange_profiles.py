"""Token exchange profiles read and changed without a tenant: the flags' values parsed,
the profiles that concern a client or an API picked, the policy in words."""

from __future__ import annotations

import pytest

from m2m_tui.admin.exchange_profiles import (
    concerning_api,
    concerning_client,
    details,
    scope_map_entry,
    scope_map_of,
    sentence,
    token_type,
    trusted_issuer,
    with_mapping,
    with_member,
)

ROUTES = {
    "id": "tep_1",
    "name": "World Mappers to Routes API",
    "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
    "client_ids": ["world-mappers-api"],
    "audiences": ["urn:worldmappers:routes"],
    "scope_map": {"routes:read": ["directions"]},
    "trusted_issuers": [],
}
# The bundled tenant answers its extensions always, empty where none is set.
BARE = {
    "id": "tep_2",
    "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
    "client_ids": [],
    "audiences": [],
    "scope_map": {},
    "trusted_issuers": [],
}
# Auth0's own profile: a custom token type, an Action, none of m2m-tui's fields.
AUTH0 = {
    "id": "tep_a0",
    "name": "Legacy tokens",
    "subject_token_type": "urn:acme:legacy-token",
    "action_id": "act_123",
    "type": "custom_authentication",
}


def test_values_as_typed():
    assert token_type("jwt") == "urn:ietf:params:oauth:token-type:jwt"
    assert token_type("urn:example:custom") == "urn:example:custom"  # Auth0's custom types
    with pytest.raises(ValueError, match="access_token, jwt"):
        token_type("saml")
    assert scope_map_entry("routes:read=directions, geo") == ("routes:read", ["directions", "geo"])
    assert scope_map_entry("routes:read=") == ("routes:read", [])
    with pytest.raises(ValueError, match="TARGET_SCOPE=SUBJECT_SCOPE"):
        scope_map_entry("routes:read")
    assert scope_map_of(["a=b", "c=d", "a="]) == {"c": ["d"]}
    assert trusted_issuer("https://p/=https://p/jwks") == {
        "issuer": "https://p/",
        "jwks_uri": "https://p/jwks",
    }
    with pytest.raises(ValueError, match="ISSUER=JWKS_URI"):
        trusted_issuer("https://p/=ftp://p/jwks")


def test_which_concern_a_client_or_an_api():
    assert concerning_client([ROUTES, BARE], "world-mappers-api") == [ROUTES]
    assert concerning_client([ROUTES, BARE], "giftdeliveries") == []
    assert concerning_api([ROUTES, BARE], "urn:worldmappers:routes") == [ROUTES]


def test_the_policy_in_words_and_changed():
    assert sentence(ROUTES) == (
        "world-mappers-api may exchange access tokens "
        "(urn:ietf:params:oauth:token-type:access_token) of this issuer for "
        "urn:worldmappers:routes: routes:read ← directions"
    )
    assert sentence(BARE) == (
        "lets no exchange through yet: it takes JWTs (urn:ietf:params:oauth:token-type:jwt) "
        "of this issuer, and needs a client (--client) and an API (--audience)"
    )
    # Auth0's profile: its Action decides, never "no client may exchange".
    assert sentence(AUTH0) == (
        "exchanges tokens of type urn:acme:legacy-token; who may exchange them, for which "
        "API and with which scopes is its Action's (act_123)"
    )
    assert ("policy", "its Action's: who may exchange, for which API, with which scopes") in (
        details(AUTH0)
    )
    assert with_member(ROUTES, "client_ids", "gift", True) == ["world-mappers-api", "gift"]
    assert with_member(ROUTES, "client_ids", "world-mappers-api", False) == []
    assert with_member(ROUTES, "client_ids", "world-mappers-api", True) == ["world-mappers-api"]
    assert with_mapping(ROUTES, "geo", ["directions"]) == {
        "routes:read": ["directions"],
        "geo": ["directions"],
    }
    assert with_mapping(ROUTES, "routes:read", []) == {}
