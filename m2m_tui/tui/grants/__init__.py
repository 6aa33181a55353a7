"""The Grants screen: authorize clients for APIs, pick their scopes, test the next token,
and rotate or revoke signing keys, like Auth0's "Machine to Machine Applications" tab.

`screen` composes and routes; `catalog` lists APIs and clients; `editor` edits one
client's grant on one API; `keys` holds the signing keys."""

from m2m_tui.tui.grants.messages import TokenTested
from m2m_tui.tui.grants.screen import GrantsScreen

__all__ = ["GrantsScreen", "TokenTested"]
