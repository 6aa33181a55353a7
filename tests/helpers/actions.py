"""Actions on a bundled tenant: an Action that adds claims, and deploying one (bound to
the credentials-exchange trigger, after those bound already) through the Management API."""

from __future__ import annotations

CLAIM = """exports.onExecuteCredentialsExchange = async (event, api) => {
  api.accessToken.setCustomClaim("https://worldmappers.example/tier", "gold");
  api.accessToken.setCustomClaim("https://worldmappers.example/seen", {
    client: event.client.client_id, audience: event.resource_server.identifier,
    scope: event.accessToken.scope, secret_set: Boolean(event.secrets.TIER_KEY),
    secret_in_body: "client_secret" in event.request.body,
  });
};"""


def deployed(admin, name: str, code: str, bind: bool = True, **extra) -> dict:
    made = admin.post(
        "/actions/actions",
        json={
            "name": name,
            "code": code,
            "supported_triggers": [{"id": "credentials-exchange", "version": "v2"}],
            **extra,
        },
    )
    assert made.status_code == 201, made.text
    action = made.json()
    version = admin.post(f"/actions/actions/{action['id']}/deploy")
    assert version.status_code == 200 and version.json()["deployed"] is True
    if bind:
        bound = admin.get("/actions/triggers/credentials-exchange/bindings").json()["bindings"]
        refs = [{"ref": {"type": "action_id", "value": b["action"]["id"]}} for b in bound]
        refs.append({"ref": {"type": "action_name", "value": name}, "display_name": name})
        answer = admin.patch(
            "/actions/triggers/credentials-exchange/bindings", json={"bindings": refs}
        )
        assert answer.status_code == 200, answer.text
    return action
