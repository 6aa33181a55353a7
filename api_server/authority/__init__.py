"""The local authorization server: token endpoint, JWKS, discovery, Management API."""
