"""Why an API refused a token: every check a resource server makes (RFC 6750, RFC 9068,
RFC 9449 for DPoP), each with what it found and a concrete fix, and the parser of the
`WWW-Authenticate` challenge the server answered with."""
