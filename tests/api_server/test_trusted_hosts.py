"""DNS rebinding: bound to loopback, both bundled servers answer only to loopback's
names. A hostile page whose name resolves to 127.0.0.1 still sends its own name in
`Host`, and must get neither a token nor an answer from the API."""

from __future__ import annotations

import httpx

from tests.conftest import ADMIN, GIFT, WORLDMAPPERS, start_stack


def token_request(issuer: str, host: str | None, client=ADMIN, audience=None) -> httpx.Response:
    headers = {"Host": host} if host else {}
    return httpx.post(
        issuer + "oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": client[0],
            "client_secret": client[1],
            "audience": audience or issuer + "api/v2/",
        },
        headers=headers,
    )


def test_a_rebound_name_gets_no_token_and_no_management_api(shared_stack):
    port = shared_stack.issuer.rsplit(":", 1)[1].rstrip("/")
    refused = token_request(shared_stack.issuer, f"evil.example:{port}")
    assert refused.status_code == 400 and "access_token" not in refused.text
    jwks = httpx.get(
        shared_stack.issuer + ".well-known/jwks.json", headers={"Host": "rebind.attacker.test"}
    )
    assert jwks.status_code == 400
    listed = httpx.get(
        shared_stack.issuer + "api/v2/clients", headers={"Host": f"evil.example:{port}"}
    )
    assert listed.status_code == 400 and "client_id" not in listed.text


def test_loopback_names_are_answered(shared_stack):
    port = shared_stack.issuer.rsplit(":", 1)[1].rstrip("/")
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "LOCALHOST"):
        answered = token_request(shared_stack.issuer, host, client=GIFT, audience=WORLDMAPPERS)
        assert answered.status_code == 200, (host, answered.text)


def test_the_api_refuses_a_foreign_host(shared_stack):
    token = shared_stack.token()
    headers = {"Authorization": f"Bearer {token}"}
    url = shared_stack.api_url + "/api/directions"
    assert httpx.get(url, headers=headers).status_code == 200
    assert httpx.get(url, headers={**headers, "Host": "localhost"}).status_code == 200
    foreign = httpx.get(url, headers={**headers, "Host": "evil.example"})
    assert foreign.status_code == 400 and "step" not in foreign.text


def test_a_name_given_with_allow_host_is_answered(tmp_path):
    running = start_stack(tmp_path / "state", allowed_hosts=("wm.internal",))
    try:
        named = token_request(running.issuer, "wm.internal", client=GIFT, audience=WORLDMAPPERS)
        assert named.status_code == 200
        other = token_request(running.issuer, "wm.external", client=GIFT, audience=WORLDMAPPERS)
        assert other.status_code == 400
    finally:
        running.thread.stop()
