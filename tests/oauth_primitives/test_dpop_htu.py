"""One `htu` for both sides (RFC 9449 §4.3 item 9 with RFC 3986 §6): whatever URL a
user types, the proof the client builds for it is one the server accepts, because the
server sees the request as it arrives over HTTP, not as the client spelled it."""

from __future__ import annotations

import asyncio

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from api_server.dpop import DpopError, ReplayMemory, addressed_url, check_proof
from m2m_tui.oauth.dpop import generate_key
from oauth_primitives.dpop import htu

KEY = generate_key("ES256")


async def _check(request):
    """What the API does with a proof (its own URL reconstruction, its own check)."""
    url = addressed_url(request.scope, request.headers.get("host"))
    try:
        check_proof(request.headers.getlist("dpop"), request.method, url, ReplayMemory())
    except DpopError as exc:
        return PlainTextResponse(exc.description, status_code=401)
    return PlainTextResponse("ok")


APP = Starlette(routes=[Route("/{rest:path}", _check, methods=["GET", "POST", "DELETE"])])

# Path characters a user might type: safe ones, reserved ones, percent-encodings in
# either case, spaces and non-ASCII.
piece = st.sampled_from(list("abcXYZ09-._~!$&'()*+,;=:@ é漢") + ["%41", "%2f", "%2F", "%7e"])
segment = st.lists(piece, max_size=8).map("".join)
urls = st.builds(
    lambda scheme, host, port, segments, slash, query, fragment: (
        f"{scheme}://{host}{port}/{'/'.join(segments)}{slash}{query}{fragment}"
    ),
    st.sampled_from(["http", "https", "HTTP"]),
    st.sampled_from(["127.0.0.1", "localhost", "LocalHost", "[::1]"]),
    st.sampled_from(["", ":80", ":443", ":7001", ":65535"]),
    st.lists(segment, max_size=4),
    st.sampled_from(["", "/"]),
    st.sampled_from(["", "?a=1", "?q=%20x&b", "?"]),
    st.sampled_from(["", "#frag", "#"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(url=urls, method=st.sampled_from(["GET", "POST", "DELETE"]))
def test_any_url_the_client_signs_is_one_the_server_accepts(url, method):
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=APP)
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.request(method, url, headers={"DPoP": KEY.proof(method, url)})

    response = asyncio.run(send())
    assert response.status_code == 200, f"{url}: {response.text}"


def test_two_different_urls_never_share_an_htu():
    """Normalising must not make the check blind: another path, port, host or scheme is
    another htu, and the server refuses the proof."""
    base = "http://127.0.0.1:7001/api/directions"
    for other in (
        "http://127.0.0.1:7001/api/geocode",
        "http://127.0.0.1:7002/api/directions",
        "http://127.0.0.2:7001/api/directions",
        "https://127.0.0.1:7001/api/directions",
        "http://127.0.0.1:7001/api/directions/",
        "http://127.0.0.1:7001/api/directions%2F",
    ):
        assert htu(other) != htu(base), other
        proof = KEY.proof("GET", base)
        try:
            check_proof([proof], "GET", other, ReplayMemory())
        except DpopError as exc:
            assert "htu" in exc.description
        else:
            raise AssertionError(f"a proof for {base} was accepted at {other}")


def test_spellings_of_one_url_share_an_htu():
    assert (
        htu("HTTP://LocalHost:80/a%7e/%41b?x#y")
        == htu("http://localhost/a~/Ab")
        == "http://localhost/a~/Ab"
    )
    assert htu("https://127.0.0.1:443") == "https://127.0.0.1/"
    assert htu("http://127.0.0.1:7001/a%2fb") == "http://127.0.0.1:7001/a%2Fb"
