"""Access tokens as values: parsed once (RFC 7519, RFC 9068) into what the inspector,
the predictions and the diagnosis all read; their signature against the issuer's JWKS
(RFC 7517); the tampered copies the lab sends; the difference between two tokens."""
