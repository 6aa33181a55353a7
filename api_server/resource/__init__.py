"""The World Mappers API: a resource server that reaches its issuer only over HTTP."""
