"""The keep-alive race the load test found: a server closes an idle pooled connection
just as the client reuses it. The token request is sent once more on a new connection,
and only then: a fresh connection that closes without answering is a failure."""

from __future__ import annotations

import json
import socket
import socketserver
import threading

import httpx
import pytest

from m2m_tui.config.profile import Profile
from m2m_tui.oauth.token_request import TokenRequest, request_token

ANSWER = json.dumps({"access_token": "opaque", "token_type": "Bearer", "expires_in": 60}).encode()


class RawServer(socketserver.ThreadingTCPServer):
    """HTTP/1.1 by hand, so the test decides what each connection does: answer the
    first `answered` requests on it, then read the next one and close, not a byte sent."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, answered: int) -> None:
        self.answered = answered
        self.connections = 0
        self.requests = 0
        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: RawServer = self.server  # type: ignore[assignment]
        server.connections += 1
        for n in range(server.answered + 1):
            length = self.read_head()
            if length is None:
                return
            self.rfile.read(length)
            server.requests += 1
            if n == server.answered:  # the race: the request is read, then the socket goes
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                + f"content-length: {len(ANSWER)}\r\n\r\n".encode()
                + ANSWER
            )
            self.wfile.flush()

    def read_head(self) -> int | None:
        length = 0
        while True:
            line = self.rfile.readline()
            if not line:
                return None
            if line in (b"\r\n", b"\n"):
                return length
            # errors="replace": a TLS handshake (m2m-tui asks whether a server that closed
            # without answering speaks HTTPS) is no HTTP head, and ends at EOF.
            name, _, value = line.decode(errors="replace").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)


@pytest.fixture
def servers():
    made: list[RawServer] = []

    def make(answered: int) -> RawServer:
        made.append(RawServer(answered))
        return made[-1]

    yield make
    for server in made:
        server.shutdown()
        server.server_close()


def token_request(url: str) -> TokenRequest:
    profile = Profile(name="t", issuer=url, client_id="c", audience="urn:worldmappers")
    return TokenRequest.for_profile(profile, "s")


async def test_a_reused_connection_closed_without_an_answer_is_retried_once(servers):
    server = servers(answered=1)  # each connection answers once, then drops the next
    async with httpx.AsyncClient() as client:
        first = await request_token(token_request(server.url), client)
        assert first.ok and server.connections == 1
        again = await request_token(token_request(server.url), client)  # reuses it: stale
    assert again.ok, again.description
    assert server.requests == 3 and server.connections == 2  # sent once more, anew


async def test_a_fresh_connection_closed_without_an_answer_is_not_retried(servers):
    server = servers(answered=0)  # never answers
    async with httpx.AsyncClient() as client:
        outcome = await request_token(token_request(server.url), client)
    assert not outcome.ok and "closed the connection without answering" in outcome.description
    # One try: nothing was stale. (Then a TLS handshake, no request, asked whether the
    # server speaks HTTPS: it does not, and the sentence above says so.)
    assert server.requests == 1


async def test_the_management_api_retries_a_stale_connection_too(servers):
    # The Grants screen's calls met the race under load: "Server disconnected without
    # sending a response" where one more try on a new connection is answered.
    from m2m_tui.admin.management_api import ManagementClient

    server = servers(answered=1)
    async with httpx.AsyncClient() as client:
        mgmt = ManagementClient(server.url, "mgmt-token", client)
        assert await mgmt.request("GET", "/clients") == json.loads(ANSWER)
        assert await mgmt.request("GET", "/clients") == json.loads(ANSWER)  # stale: retried
    assert server.requests == 3 and server.connections == 2
