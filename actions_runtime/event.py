"""Auth0's event object for the credentials-exchange trigger, as its reference describes
it (https://auth0.com/docs/customize/actions/explore-triggers/machine-to-machine-trigger/
credentials-exchange-event-object). The authority builds it from the token request;
Preview and `actions test` from what the Management API says and a sample request."""

from __future__ import annotations

# Parameters of the token request that an Action never sees: credentials.
HIDDEN_PARAMETERS = ("client_secret", "client_assertion")


def credentials_exchange_event(
    *,
    client_id: str,
    client_name: str,
    audience: str,
    scopes: list[str],
    tenant: str,
    body: dict,
    requested_scopes: list[str] | None = None,
    organization: dict | None = None,
    hostname: str = "127.0.0.1",
    ip: str = "127.0.0.1",
    user_agent: str = "",
    language: str = "",
    client_metadata: dict | None = None,
) -> dict:
    event = {
        "accessToken": {"customClaims": {}, "scope": list(scopes)},
        "client": {"client_id": client_id, "name": client_name, "metadata": client_metadata or {}},
        "request": {
            "body": {k: v for k, v in body.items() if k not in HIDDEN_PARAMETERS},
            "geoip": {},  # offline: no address is placed on a map
            "hostname": hostname,
            "ip": ip,
            "language": language,
            "method": "POST",
            "user_agent": user_agent,
        },
        "resource_server": {"identifier": audience},
        "tenant": {"id": tenant},
        "transaction": {"requested_scopes": list(requested_scopes or [])},
    }
    if organization is not None:
        event["organization"] = {"metadata": {}, **organization}
    return event
