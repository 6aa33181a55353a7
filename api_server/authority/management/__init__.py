"""A subset of Auth0's Management API v2, at `/api/v2/`."""
