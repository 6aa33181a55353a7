"""Administering the authorization server: the Auth0 Management API subset (clients,
resource servers, client grants) and the grants model the Grants screen edits."""
