"""Checks that only the server's answer makes possible: a token the API never received
(a proxy or a redirect dropped the header), and a token too large for a server or proxy
on the way. Each decides on the answer's status and challenge and on what was sent."""

from __future__ import annotations

from m2m_tui.diagnosis.causes import Cause
from m2m_tui.diagnosis.check import Check
from m2m_tui.diagnosis.server_answer import ServerAnswer
from m2m_tui.diagnosis.size_limits import SMALLER, SUSPECT, crossed, limits_crossed, size_words
from oauth_primitives.rules import Code

# Statuses a server or proxy answers for headers too large: 431 (RFC 6585 §5) from Node
# and most servers, 400 from nginx ("Request Header Or Cookie Too Large"), 413 from some
# gateways.
TOO_LARGE_STATUSES = (400, 413, 431)


def delivery_check(server: ServerAnswer | None, sent_scheme: str) -> Check | None:
    """RFC 6750 §3.1: to a request that carries no credentials, a server answers 401
    with a bare challenge, no error code. When a token was sent as Bearer, that answer
    means the header was lost on the way: the token was never judged."""
    if server is None or server.status != 401 or sent_scheme != "Bearer":
        return None
    challenge = server.www_authenticate
    if challenge.get("scheme", "").lower() != "bearer" or "error" in challenge:
        return None
    return Check(
        "delivery",
        False,
        "the server answered 401 with a bare Bearer challenge and no error code, its answer "
        "to a request without a token (RFC 6750 §3.1); but this call sent one. The "
        "Authorization header never reached the API: a proxy, a gateway, a redirect or "
        "the framework dropped it, so the token itself was never judged (its clock and "
        "keys are not in question)",
        "Confirm it: send the same call straight to the API, past any proxy (`curl -v -H "
        "'Authorization: Bearer …' URL`), and compare; the API's metadata "
        "(/.well-known/oauth-protected-resource, no token needed) answering by the same "
        "route shows that the route reaches the API and only the header is lost. Then fix "
        "what drops the header: "
        "Apache with mod_wsgi needs `WSGIPassAuthorization On`; nginx passes it unless "
        "`proxy_set_header Authorization` overrides it; a redirect (http to https, a "
        "trailing slash, another host) makes clients drop it, so call the final URL; some "
        "gateways strip it unless told to forward it.",
        "",  # no rule of the API's: it never saw the token
        Cause.AUTHORIZATION_DROPPED,
    )


def size_check(size: int, server: ServerAnswer | None) -> Check | None:
    """A token large enough to matter, refused for its size by the server or a proxy in
    front (a 431, 413 or 400 to a request whose only large header is the token)."""
    if server is None or server.status not in TOO_LARGE_STATUSES:
        return None
    if server.status != 431 and (size < SUSPECT or not crossed(size)):
        return None  # a 400 or 413 to a token under every limit is about something else
    server.refused_for_size = True
    if server.status == 431:
        # RFC 6585 §5: the request's header fields are too large, whatever the token's
        # size; a server's own limit may be far under every common one.
        said = (
            f"the server answered 431 Request Header Fields Too Large (RFC 6585 §5): the "
            f"request's headers are more than it takes, and its Authorization header "
            f"carries a token of {size_words(size)}; the request failed before the token "
            "was judged. "
        )
        if not crossed(size):
            said += (
                "The token crosses none of the common limits, so this server's (or its "
                "proxy's) own limit is lower than theirs. "
            )
        return Check(
            "size", False, said + limits_crossed(size), SMALLER, Code.TOO_LARGE, Cause.TOO_LARGE
        )
    return Check(
        "size",
        False,
        f"the server answered {server.status} to a request whose Authorization header "
        f"carries a token of {size_words(size)}: too large for it, or for a proxy in front "
        f"of it. {limits_crossed(size)}",
        SMALLER,
        Code.TOO_LARGE,
        Cause.TOO_LARGE,
    )
