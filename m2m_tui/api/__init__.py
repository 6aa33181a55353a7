"""Calling a protected API: its endpoint table (RFC 9728 metadata, else the World
Mappers contract) and the client that sends the token and records the exchange."""
