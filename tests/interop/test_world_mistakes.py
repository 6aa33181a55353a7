"""Refusals the way they happen in the world, round two: what programs send when they
hold no token, tokens damaged on their way, times in the wrong unit or zone, scopes
separated by commas. Each is built as the mistake builds it, sent to the bundled API
and to Auth0's Express validator, and `m2m-tui diagnose` must name the cause with a
stable code and agree with what each server answered."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import run_cli
from tests.helpers.sessions import write_config

# cause -> what programs send as the token (a few of tests/tokens/test_not_a_token.py's)
NO_TOKEN = {
    "unset_variable": ["undefined", "Bearer ", "None"],
    "object_as_text": ["[object Object]", "<Response [200]>", '{"error": "access_denied"}'],
    "template_unfilled": ["{{token}}", "${TOKEN}", "<YOUR_ACCESS_TOKEN>"],
}


def diagnose(tmp_path, stack, url: str, token: str) -> tuple[dict, int]:
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    result = run_cli(tmp_path, "diagnose", url, "--token", token, "--json")
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout), result.returncode


def directions(urls: dict, api: str) -> str:
    return urls[api].rstrip("/") + "/api/directions?destination=Paris"


@pytest.mark.parametrize("api", ["bundled", "express"])
@pytest.mark.parametrize(
    ("cause", "text"), [(c, t) for c, texts in NO_TOKEN.items() for t in texts]
)
def test_no_token_at_all_is_named_as_the_mistake_it_is(tmp_path, apis, api, cause, text):
    stack, urls = apis
    report, code = diagnose(tmp_path, stack, directions(urls, api), text)
    assert report["server"]["status"] in (400, 401), report["server"]
    assert report["causes"] == [cause] and report["failed"][0] == "format", report["failed"]
    check = report["checks"][0]
    assert "no token" in check["detail"] and "opaque" not in check["detail"], check
    assert check["fix"] and "audience" not in check["fix"], check["fix"]
    assert report["verdict"] == "rejected" and code == 1
    assert report["agreement"] == "agree", report["agreement_text"]


@pytest.mark.parametrize("api", ["bundled", "express"])
def test_the_scheme_written_twice_is_named_and_the_token_under_it_sent(tmp_path, apis, api):
    # The header's value kept `Bearer ` and the code added another: the API reads the
    # second `Bearer` as the token and refuses it.
    from tests.conftest import claims, signed

    stack, urls = apis
    token = signed(stack, claims(stack))
    sent = httpx.get(directions(urls, api), headers={"Authorization": f"Bearer Bearer {token}"})
    assert sent.status_code in (400, 401)
    report, code = diagnose(tmp_path, stack, directions(urls, api), f"Bearer Bearer {token}")
    assert report["cleaned"] == ["scheme", "scheme_twice"] and code == 0
    assert report["verdict"] == "accepted"


# The scope as issuers write it when the scopes were asked for, or joined, with something
# other than a space: `",".join(scopes)`, a comma and a space as GitHub's and Facebook's
# APIs take them, a semicolon, a `+` from a form body encoded twice, a `%20` never decoded.
# (The endpoint needs directions.)
SEPARATED = [
    "directions,geocode:location",
    "geocode:location,directions",
    "geocode:location, directions,",
    "directions;geocode:location",
    "directions+geocode:location",
    "directions%20geocode:location",
    "read:users,directions",
]


@pytest.mark.parametrize("api", ["bundled", "express"])
@pytest.mark.parametrize("scope", SEPARATED)
def test_scopes_separated_by_commas_are_named(tmp_path, apis, api, scope):
    from tests.conftest import claims, signed

    stack, urls = apis
    token = signed(stack, claims(stack, scope=scope))
    report, code = diagnose(tmp_path, stack, directions(urls, api), token)
    assert report["server"]["status"] == 403, report["server"]
    assert report["failed"] == ["scope"] and report["causes"] == ["scope_separator"]
    check = next(c for c in report["checks"] if c["name"] == "scope")
    assert "RFC 6749 §3.3" in check["detail"] and "Grant" not in check["fix"], check
    assert report["agreement"] == "agree" and code == 1


def stamped(stack, iat: float, lifetime: float, scale: int = 1) -> str:
    from tests.conftest import claims, signed

    return signed(stack, claims(stack, iat=int(iat * scale), exp=int((iat + lifetime) * scale)))


# name -> (iat's offset from now, lifetime, scale, the check that names it, its cause)
TIMES = {
    # https://github.com/auth0/node-jsonwebtoken/issues/190 (iat from Date.now()).
    "milliseconds": (0, 3600, 1000, "iat", "time_in_milliseconds"),
    "milliseconds-older": (-120, 86400, 1000, "iat", "time_in_milliseconds"),
    # Local time written as UTC, or UTC read as local (Python's utcnow().timestamp()).
    "an-hour-behind": (-3600 - 10, 600, 1, "exp", "time_zone_offset"),
    "five-hours-behind": (-5 * 3600, 3600, 1, "exp", "time_zone_offset"),
    "two-hours-ahead": (2 * 3600, 3600, 1, "iat", "time_zone_offset"),
    "india-ahead": (5.5 * 3600 - 30, 3600, 1, "iat", "time_zone_offset"),
}


@pytest.mark.parametrize("api", ["bundled", "express"])
@pytest.mark.parametrize("case", list(TIMES))
def test_times_in_the_wrong_unit_or_zone_are_the_issuers_bug(tmp_path, apis, api, case):
    import time

    stack, urls = apis
    offset, lifetime, scale, name, cause = TIMES[case]
    token = stamped(stack, time.time() + offset, lifetime, scale)
    report, code = diagnose(tmp_path, stack, directions(urls, api), token)
    check = next(c for c in report["checks"] if c["name"] == name)
    assert check["cause"] == cause and "clock skew" in check["detail"], check
    assert "NTP" not in check["fix"] and "Request a new token" not in check["fix"]
    if report["server"]["status"] == 200:  # Express does not read iat: a warning
        assert check["ok"] is None and report["failed"] == [] and code == 0
        assert report["agreement"] == "agree", report["agreement_text"]
        return
    assert report["server"]["status"] == 401 and cause in report["causes"]
    assert report["agreement"] == "agree" and code == 1, report["agreement_text"]


# name -> (how the token was damaged, the check that names it, its cause)
DAMAGED = {
    "cut-by-a-log-line": (lambda t: t[:-12], "signature", "signature_truncated"),
    "cut-4n+1": (lambda t: t[: len(t) - (len(t.rsplit(".", 1)[1]) % 4 + 3) % 4], None, None),
    "json-end": (lambda t: t + '"}', "format", "trailing_characters"),
    "url-encoded-quote": (lambda t: t + "%22", "format", "trailing_characters"),
    "escaped-newline": (lambda t: t + "\\n", "format", "trailing_characters"),
    "joined": (lambda t: t + "eyJ0", "signature", "trailing_characters"),
}


@pytest.mark.parametrize("api", ["bundled", "express"])
@pytest.mark.parametrize("case", list(DAMAGED))
def test_a_token_damaged_on_its_way_says_what_happened(tmp_path, apis, api, case):
    from tests.conftest import claims, signed

    stack, urls = apis
    damage, name, cause = DAMAGED[case]
    token = damage(signed(stack, claims(stack)))
    report, code = diagnose(tmp_path, stack, directions(urls, api), token)
    if report["server"]["status"] == 200:
        # Node's base64url decoder skips what is not base64url: Express took the token,
        # and the diagnosis follows it, naming the damage as a warning.
        check = next(c for c in report["checks"] if c["name"] == name)
        assert api == "express" and check["ok"] is None and check["cause"] == cause, check
        assert report["agreement"] == "agree" and code == 0
        return
    assert report["server"]["status"] in (400, 401), report["server"]
    if cause is None:  # whichever of the two a cut makes, it is named as damage
        cause = report["causes"][0]
        assert cause in ("signature_truncated", "trailing_characters"), report["causes"]
        name = next(c["name"] for c in report["checks"] if c["cause"] == cause)
    assert report["causes"] == [cause], report["checks"]
    check = next(c for c in report["checks"] if c["name"] == name)
    assert check["cause"] == cause and "altered after issue" not in check["detail"]
    assert report["agreement"] == "agree" and code == 1, report["agreement_text"]
