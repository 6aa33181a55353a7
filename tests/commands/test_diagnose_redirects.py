"""`diagnose` at an API behind a redirect (issue #48): the call followed as a client
follows it, where it went said, and a redirect to another origin (another host, port or
scheme) named as where the Authorization header was dropped, the token never sent
there. Two loopback servers each: one that redirects, one that answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from tests.conftest import claims, run_cli, serve_app, signed
from tests.helpers.sessions import write_config


@dataclass
class Seen:
    """What a server received: (method, path, whether Authorization came, body)."""

    everything: list[tuple[str, str, bool, str]] = field(default_factory=list)

    @property
    def requests(self) -> list[tuple[str, str, bool, str]]:
        """The calls, without the metadata `diagnose` reads first (its OpenAPI document
        and RFC 9728 metadata, asked without a token)."""
        return [r for r in self.everything if not r[1].startswith(("/openapi", "/.well"))]


@contextmanager
def server(routes: dict, tls=None) -> Iterator[tuple[str, Seen]]:
    """An app whose paths answer as `routes` says: a (status, location) redirect, where
    `location` may name `{self}` (this server's own URL), or None: an API that takes any
    Bearer token and answers a request without one with a bare challenge (RFC 6750 §3.1)."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    seen = Seen()
    base: list[str] = []

    async def answer(request):
        auth = request.headers.get("authorization", "")
        body = (await request.body()).decode()
        seen.everything.append((request.method, request.url.path, bool(auth), body))
        rule = routes.get(request.url.path)
        if rule is not None:
            status, location = rule
            query = f"?{request.url.query}" if request.url.query else ""
            target = location.format(self=base[0].rstrip("/")) + query
            return Response(status_code=status, headers={"Location": target})
        if not auth.startswith("Bearer "):
            return Response(status_code=401, headers={"WWW-Authenticate": 'Bearer realm="api"'})
        return JSONResponse({"route": "ok", "method": request.method})

    methods = ["GET", "POST", "HEAD"]
    app = Starlette(routes=[Route("/{path:path}", answer, methods=methods)])
    url, thread = serve_app(app, tls=tls)
    base.append(url)
    try:
        yield url, seen
    finally:
        thread.stop()


def diagnose(tmp_path, stack, url: str, *more: str, config: str = "") -> tuple[dict, int, str]:
    path = write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    if config:  # more of the gift profile's keys
        text = path.read_text().replace("[profiles.gift]\n", f"[profiles.gift]\n{config}")
        path.write_text(text)
    token = signed(stack, claims(stack))
    result = run_cli(tmp_path, "diagnose", url, "--token", token, "--json", *more)
    assert "Traceback" not in result.stderr and result.stdout, result.stderr
    assert token not in result.stdout + result.stderr  # the report never repeats it
    return json.loads(result.stdout), result.returncode, token


def redirect_of(report: dict) -> dict:
    return next(c for c in report["checks"] if c["name"] == "redirect")


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_host_is_named_as_where_the_token_was_dropped(
    tmp_path, shared_stack, status
):
    # The API moved to another host name (here localhost for 127.0.0.1), its old one
    # redirecting: clients follow without the header, the API answers as to no token.
    api = shared_stack.api_url.replace("127.0.0.1", "localhost").rstrip("/")
    with server({"/api/directions": (status, api + "/api/directions")}) as (front, seen):
        report, code, _ = diagnose(
            tmp_path, shared_stack, front + "api/directions?destination=Paris"
        )
    assert seen.requests[0][2] is True  # the first request carried the token
    check = redirect_of(report)
    assert check["ok"] is False and report["causes"] == ["redirect_dropped_header"]
    assert report["failed"] == ["redirect"]  # the token itself is good: nothing else blamed
    assert f"{status} to another host (127.0.0.1 to localhost)" in check["detail"]
    assert "never reached the server that answered (401)" in check["detail"]
    assert api + "/api/directions?destination=Paris" in check["fix"]
    assert check["fix"].startswith("Call the final URL directly")
    assert report["server"]["status"] == 401 and report["agreement"] == "request_failed"
    assert "clock" not in report["agreement_text"] and code == 1


def test_another_port_on_the_same_host_is_another_origin(tmp_path, shared_stack):
    api = shared_stack.api_url.rstrip("/")
    with server({"/api/directions": (307, api + "/api/directions")}) as (front, _):
        report, code, _ = diagnose(
            tmp_path, shared_stack, front + "api/directions?destination=Paris"
        )
    check = redirect_of(report)
    assert report["causes"] == ["redirect_dropped_header"] and code == 1
    assert "307 to another port" in check["detail"] and "on the same host" in check["detail"]


def test_http_to_https_on_the_same_host_drops_it_and_the_token_is_never_sent_there(
    tmp_path, shared_stack
):
    from api_server.tls import ensure_tls_files

    tls = ensure_tls_files(tmp_path / "tls")
    with server({}, tls=tls) as (secure, seen_there):
        target = secure.rstrip("/") + "/api/directions"
        with server({"/api/directions": (308, target)}) as (front, _):
            url = front + "api/directions?destination=Paris"
            ca = f'ca_file = "{tls.ca}"\n'
            report, code, _ = diagnose(tmp_path, shared_stack, url, config=ca)
    # The https server was asked, as clients ask it, without the token.
    assert seen_there.requests == [("GET", "/api/directions", False, "")]
    check = redirect_of(report)
    assert report["causes"] == ["redirect_dropped_header"] and code == 1
    assert "another scheme (http to https), on the same host" in check["detail"]
    assert "https:// rather than http://" in check["fix"]


@pytest.mark.parametrize(("status", "method"), [(302, "GET"), (303, "GET"), (307, "POST")])
def test_the_method_follows_rfc_9110(tmp_path, shared_stack, status, method):
    # RFC 9110 §15.4: after a 301/302 a POST becomes a GET (as every client does), after
    # a 303 a GET; 307 and 308 keep the method and its body.
    with server({}) as (api, seen_there):
        with server({"/api/directions": (status, api + "api/directions")}) as (front, _):
            url = front + "api/directions"
            report, _, _ = diagnose(tmp_path, shared_stack, url, "--method", "POST")
    assert seen_there.requests[0][:3] == (method, "/api/directions", False)
    check = redirect_of(report)
    assert ("the POST became a GET" in check["detail"]) is (method == "GET"), check["detail"]


def test_a_redirect_within_one_origin_is_followed_with_the_token(tmp_path, shared_stack):
    # A trailing slash or a moved path on the same server: clients keep the header.
    routes = {"/v1/api/directions": (308, "{self}/api/directions")}
    with server(routes) as (api, seen):
        report, code, _ = diagnose(tmp_path, shared_stack, api + "v1/api/directions")
    assert [r[2] for r in seen.requests] == [True, True]
    check = redirect_of(report)
    assert check["ok"] is True and "within one origin: the token went along" in check["detail"]
    assert report["verdict"] == "accepted" and report["failed"] == [] and code == 0


def test_a_token_dropped_on_the_way_is_not_given_back_on_returning(tmp_path, shared_stack):
    # Fetch: A1 -> B -> A2, and A2 does not get the header back; nor does it from us.
    routes = {
        "/a": (307, "{self}/b"),
        "/b": (307, "{self}/final"),
    }
    with server(routes) as (api, seen):
        # /a sends to the same server under another host name, which sends back.
        routes["/a"] = (307, api.replace("127.0.0.1", "localhost") + "b")
        routes["/b"] = (307, api + "final")
        report, code, _ = diagnose(tmp_path, shared_stack, api + "a")
    assert [(r[1], r[2]) for r in seen.requests] == [("/a", True), ("/b", False), ("/final", False)]
    check = redirect_of(report)
    assert report["causes"] == ["redirect_dropped_header"] and code == 1
    assert check["detail"].count("→ 307 →") == 2


def test_a_redirect_loop_is_said_and_ends(tmp_path, shared_stack):
    with server({"/loop": (302, "{self}/loop")}) as (api, seen):
        report, code, _ = diagnose(tmp_path, shared_stack, api + "loop")
    assert len(seen.requests) == 6  # the call and five hops: bounded
    check = redirect_of(report)
    assert check["ok"] is False and "a redirect loop" in check["detail"]
    assert code == 3  # a redirect is the server's failure, as every command says
