"""A 431 (RFC 6585 §5): a token too large for a server's header limit, whatever that
limit is (Node's 16 KiB for all headers, or one set far lower: node
--max-http-header-size, a gateway's). `m2m-tui diagnose` names the 431 and the token's
size as the cause, at a loopback server that answers as Node's parser does."""

from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from tests.conftest import claims, run_cli, serve_app, signed
from tests.helpers.sessions import write_config


def limited(limit: int) -> Starlette:
    """An API that counts every header of the request together, as Node's parser does,
    and answers 431 past `limit` bytes, before any token check."""

    async def directions(request):
        size = sum(len(k) + len(v) + 4 for k, v in request.headers.raw)
        if size > limit:
            return PlainTextResponse("", status_code=431)
        return JSONResponse([{"step": 1}])

    return Starlette(routes=[Route("/api/directions", directions)])


def token_of(stack, size: int) -> str:
    """Gift Deliveries' token with enough group ids to weigh about `size` bytes, as a
    directory with many groups makes one."""
    many = [f"{i:08x}-5e1d-4c2a-9b0e-{i:012x}" for i in range(size // 52)]
    return signed(stack, claims(stack, groups=many))


@pytest.mark.parametrize(
    ("limit", "size"),
    [(1024, 1500), (2048, 3000), (8192, 9000), (16384, 17 * 1024)],
    ids=["1k-limit", "2k-limit", "8k-limit", "node-16k"],
)
def test_a_431_names_the_header_limit_and_the_tokens_size(tmp_path, shared_stack, limit, size):
    stack = shared_stack
    url, thread = serve_app(limited(limit))
    try:
        write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
        token = token_of(stack, size)
        result = run_cli(tmp_path, "diagnose", url + "api/directions", "--token", token, "--json")
        text = run_cli(tmp_path, "diagnose", url + "api/directions", "--token", token).stdout
    finally:
        thread.stop()
    assert "Traceback" not in result.stderr and result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["server"]["status"] == 431
    check = report["checks"][0]
    assert check["name"] == "size" and check["cause"] == "too_large", check
    assert "431 Request Header Fields Too Large" in check["detail"]
    assert f"{len(token):,} bytes" in check["detail"] and check["fix"]
    # Under every common limit: this server's own is lower, and said so.
    assert ("lower than theirs" in check["detail"]) == (len(token) < 8190 - 22)
    assert report["causes"][0] == "too_large" and report["agreement"] == "agree"
    assert "431 Request Header Fields Too Large" in " ".join(text.split())
