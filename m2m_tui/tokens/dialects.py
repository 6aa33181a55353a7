"""Auth0's token dialects in a sentence each, as the Token tab, the Grants screen and
`grants dialect` tell them."""

from __future__ import annotations

from oauth_primitives.rules.closed_sets import Dialect

DIALECT_WORDS = {
    Dialect.ACCESS_TOKEN: "Auth0's own profile: azp names the client, typ JWT",
    Dialect.ACCESS_TOKEN_AUTHZ: "Auth0's own profile with RBAC's permissions claim",
    Dialect.RFC9068_PROFILE: "RFC 9068: typ at+jwt, client_id names the client",
    Dialect.RFC9068_PROFILE_AUTHZ: "RFC 9068 with RBAC's permissions claim",
}


def words_of(dialect: str) -> str:
    """A dialect's sentence; a tenant may name one newer than this list."""
    return DIALECT_WORDS.get(dialect, "a dialect m2m-tui does not know yet")
