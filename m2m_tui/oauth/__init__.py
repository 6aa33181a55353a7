"""The OAuth client: asking an authorization server for a `client_credentials` token
(RFC 6749 §4.4) with the client authentication it wants (RFC 6749 §2.3, RFC 7523),
finding its endpoints (RFC 8414, OpenID Connect Discovery), caching what it gave, and
DPoP keys and proofs (RFC 9449)."""
