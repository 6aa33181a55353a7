"""What the benchmark scripts share: free loopback ports and Gift Deliveries' token."""

from __future__ import annotations

import json
import socket
import urllib.request

GIFT_DELIVERIES = (
    b"grant_type=client_credentials&client_id=giftdeliveries&client_secret="
    b"giftdeliveries-local-secret&audience=urn:worldmappers"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gift_token(issuer: str) -> str:
    """A World Mappers token from the bundled authority at `issuer`."""
    return json.load(urllib.request.urlopen(issuer + "oauth/token", GIFT_DELIVERIES))[
        "access_token"
    ]
