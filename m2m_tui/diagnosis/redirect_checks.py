"""Where a redirected call went, and whether its token went with it: a redirect to
another origin (another host, http to https, another port) is where clients drop the
Authorization header, so the server that answered never saw the token."""

from __future__ import annotations

from m2m_tui.api.redirects import Redirects, https_upgrade, origin
from m2m_tui.diagnosis.causes import Cause
from m2m_tui.diagnosis.check import Check
from m2m_tui.diagnosis.server_answer import ServerAnswer

STOPPED = {
    "loop": "and still redirects after that many hops: a redirect loop",
    "no_location": "and the last redirect names no Location to go to",
    "not_http": "and the last redirect points to an address that is not http or https",
}


def route(redirects: Redirects) -> str:
    """`GET http://a/x -307-> http://b/x -> GET`, as the hops went."""
    first = redirects.hops[0]
    said = f"{first.method} {first.url}"
    for hop in redirects.hops:
        said += f" → {hop.status} → {hop.location}"
    return said


def change(first: str, final: str) -> str:
    """What changed of the origin, in words."""
    (s1, h1, p1), (s2, h2, p2) = origin(first), origin(final)
    if h1 != h2:
        return f"another host ({h1} to {h2})"
    if s1 != s2:
        return f"another scheme ({s1} to {s2}), on the same host"
    return f"another port ({p1} to {p2}), on the same host"


def redirect_check(server: ServerAnswer | None) -> Check | None:
    if server is None or server.redirects is None:
        return None
    redirects = server.redirects
    went = route(redirects)
    hops = len(redirects.hops)
    if redirects.stopped is not None:
        return Check(
            "redirect",
            False,
            f"the call was redirected {hops} time{'s' if hops > 1 else ''} ({went}) "
            f"{STOPPED[redirects.stopped]}; no server answered it",
            "Call the address the API really answers at (set the profile's api_base_url "
            "to it), and fix the redirect on the server.",
        )
    method = ""
    if redirects.method_changed:
        # RFC 9110 §15.4.2-4: after a 301 or 302 clients turn a POST into a GET, after
        # a 303 anything; 307 and 308 keep the method.
        method = (
            f"; on the way the {redirects.hops[0].method} became a {redirects.final_method} "
            "without its body (clients do this after a 301, 302 or 303; a 307 or 308 "
            "keeps the method)"
        )
    if not redirects.dropped:
        return Check(
            "redirect",
            None if method else True,
            f"the call was redirected ({went}) within one origin: the token went along" + method,
            "Call the final URL directly: set the profile's api_base_url (or the path) to "
            "it, and save a round trip."
            if method
            else "",
        )
    first = redirects.hops[0].url
    dropped_at = next(h for h in redirects.hops if not _same(first, h.location))
    who = (
        "curl -L, browsers and Node's fetch drop it there (httpx and requests keep it "
        "on this one change, an upgrade from port 80 to 443)"
        if https_upgrade(dropped_at.url, dropped_at.location)
        else "curl -L, browsers, Node's fetch, httpx and requests all drop it there"
    )
    said = (
        f"the call was redirected ({went}): {dropped_at.status} to "
        f"{change(first, dropped_at.location)}, another origin, where clients do not send "
        f"the Authorization header ({who}); m2m-tui followed as they do, without the token. "
        f"The token never reached the server that answered ({server.status}), so its "
        f"answer says nothing of the token" + method
    )
    final = redirects.final_url
    fix = (
        f"Call the final URL directly ({final}): set the profile's api_base_url to its "
        "address, or fix the API's base URL where the clients take it from"
    )
    if origin(first)[0] == "http" and origin(final)[0] == "https":
        fix += " (https:// rather than http://, which the server only redirects)"
    # Not "make the client keep the header": that is the leak the clients guard against.
    fix += "."
    accepted = server.accepted
    return Check("redirect", None if accepted else False, said, fix, None, Cause.REDIRECT_DROPPED)


def _same(first: str, other: str) -> bool:
    return origin(first) == origin(other)
