"""The bundled servers: a local Auth0-compatible authorization server (`authority`)
and the World Mappers API resource server (`resource`). They share only what both
need (the JWKS format); the resource server reaches the authority over HTTP."""
