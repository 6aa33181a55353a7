"""A server that goes wrong on purpose, one way per path prefix, and what m2m-tui must
say about each way (the CLI and the app say the same sentence)."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from urllib.parse import parse_qs

GIFT = ("giftdeliveries", "giftdeliveries-local-secret")

# What a token request to each case must be told.
TOKEN_SAYS = {
    "slow": "did not answer within 1 s",
    "html": "answered text/html, not JSON",
    "500": "HTTP 500",
    "truncated": "not JSON",
    "xml": "application/xml, not JSON",
    "loop": "redirects to",
    "tls": "TLS error",
}


def timeout_for(case: str) -> float:
    """The client's timeout against `case`: 1 s where the server is slow on purpose (its
    timeout is what is tested), elsewhere room for a busy machine, so that a misbehaviour
    is never mistaken for a timeout."""
    return 1.0 if case == "slow" else 60.0


class MisbehavingServer:
    """One way of going wrong per path prefix, for any path below it.

    `/ok/oauth/token` is a working token endpoint (it hands Gift Deliveries an opaque
    token, and refuses anyone else as a real one would), so the API cases can be reached
    with a token; `tls_url` serves the same app behind a certificate no client trusts.
    """

    CASES = ("slow", "html", "500", "truncated", "xml", "loop")
    ALL_CASES = (*CASES, "tls")
    SLOW_SECONDS = 5.0

    def __init__(self, tls_dir: Path) -> None:
        from starlette.applications import Starlette
        from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
        from starlette.routing import Route

        from api_server.tls import ensure_tls_files
        from tests.conftest import serve_app

        self.slow_answers = 0  # answers the slow case sent (whoever was still listening)

        async def token(request):
            """client_credentials for Gift Deliveries (RFC 6749 §4.4), in the body or in
            Basic (§2.3.1); anything else is refused the way a real server refuses it."""
            form = {k: v[-1] for k, v in parse_qs((await request.body()).decode()).items()}
            client = (form.get("client_id"), form.get("client_secret"))
            basic = request.headers.get("authorization", "")
            if basic.lower().startswith("basic "):
                try:
                    user, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
                except ValueError:
                    user, secret = "", ""
                client = (user, secret)
            if form.get("grant_type") != "client_credentials":
                return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
            if client != GIFT:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            return JSONResponse(
                {"access_token": "opaque-test-token", "token_type": "Bearer", "expires_in": 60}
            )

        async def answer(request):
            case = request.path_params["case"]
            if case == "ok":
                if request.method == "POST" and request.path_params["rest"] == "oauth/token":
                    return await token(request)
                return JSONResponse({"error": "not_found"}, status_code=404)
            if case == "slow":
                await asyncio.sleep(self.SLOW_SECONDS)
                self.slow_answers += 1
                return JSONResponse({"access_token": "late"})
            if case == "html":
                return HTMLResponse("<html><h1>502 Bad Gateway</h1></html>", status_code=502)
            if case == "500":
                return JSONResponse({"message": "boom"}, status_code=500)
            if case == "truncated":
                return Response('{"access_token": "eyJ', media_type="application/json")
            if case == "xml":
                return Response("<token>abc</token>", media_type="application/xml")
            return RedirectResponse(str(request.url), status_code=302)

        app = Starlette(
            routes=[Route("/{case}/{rest:path}", answer, methods=["GET", "POST", "PUT", "DELETE"])]
        )
        self.url, self.thread = serve_app(app)
        self.tls_url, self.tls_thread = serve_app(app, tls=ensure_tls_files(tls_dir))

    def base(self, case: str) -> str:
        """Where `case` misbehaves; "tls" is a working server behind an untrusted certificate."""
        return f"{self.tls_url}ok/" if case == "tls" else f"{self.url}{case}/"

    def stop(self) -> None:
        self.thread.stop()
        self.tls_thread.stop()
