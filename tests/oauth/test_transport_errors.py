"""A server that fails at the socket, each way a real one does, and the sentence the user
reads: told apart by how far the answer got, never by httpx's or h11's wording."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from m2m_tui.config.profile import Profile
from m2m_tui.oauth.token_request import TokenRequest, request_token
from m2m_tui.transcript import describe_transport_error

# What each kind of server writes after reading the request, then it closes the socket.
ANSWERS = {
    "silent": b"",  # killed after reading the request
    "cut": b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 803\r\n\r\n{",
    "not-http": b"SSH-2.0-OpenSSH_9.2\r\n\r\n",  # another service on the port
}


@contextlib.asynccontextmanager
async def raw_server(kind: str):
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        await reader.readexactly(length)
        writer.write(ANSWERS[kind])
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    finally:
        server.close()
        await server.wait_closed()


def token_request(url: str) -> TokenRequest:
    profile = Profile(name="t", issuer=url, client_id="c", audience="urn:worldmappers")
    return TokenRequest.for_profile(profile, "s")


@pytest.mark.parametrize(
    ("kind", "error", "says"),
    [
        ("silent", "network", "closed the connection without answering"),
        ("cut", "network", "closed the connection in the middle of its answer"),
        ("not-http", "protocol", "answered something that is not HTTP/1.1"),
    ],
)
async def test_a_server_failing_at_the_socket_is_said_plainly(kind, error, says):
    async with raw_server(kind) as url:
        outcome = await request_token(token_request(url))
    assert not outcome.ok
    assert outcome.error == error
    assert outcome.description.startswith(f"{url}oauth/token {says}"), outcome.description


def test_an_exception_from_elsewhere_is_judged_by_its_type_alone():
    # Raised outside `stale_connection.send`: no record of how far the answer got, and
    # a message that mentions neither TLS nor disconnection changes nothing.
    import httpx

    for exc in (httpx.ReadError(""), httpx.RemoteProtocolError("SSL certificate problem")):
        kind, text = describe_transport_error(exc, "http://127.0.0.1:1/x", 10)
        assert (kind, text) == (
            "network",
            "http://127.0.0.1:1/x closed the connection without answering "
            "(did the server crash or restart?)",
        )
    kind, _ = describe_transport_error(httpx.ConnectError("SSL: CERTIFICATE_VERIFY"), "u", 10)
    assert kind == "network"  # only an ssl.SSLError beneath it makes it a TLS error
