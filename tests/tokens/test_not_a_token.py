"""What programs send when they hold no token, as each language and tool writes it: the
mistake is named (a variable never set, an object turned into text, a template never
filled), never called "an opaque token", and a real opaque token stays one."""

from __future__ import annotations

import json

import pytest

from m2m_tui.diagnosis.check import Expectations
from m2m_tui.diagnosis.token_checks import run_checks
from m2m_tui.tokens.decoded import NotAJwt, decode
from m2m_tui.tokens.pasted import clean_pasted
from oauth_primitives.rules.access_token import Policy

# cause -> what programs really send, as the header's value (before cleaning)
SENT = {
    "unset_variable": [
        "undefined",  # JavaScript: `Bearer ${res.access_token}` on the wrong object
        "Bearer undefined",
        "null",  # Java, C#, JSON's null through String.valueOf
        "None",  # Python: f"Bearer {token}" with token None
        "nil",
        "<nil>",  # Go's %v of a nil
        "(null)",  # C's printf("%s", NULL)
        "Bearer ",  # "Bearer " + "" (an unset environment variable read as empty)
        "Authorization: Bearer",
        "NaN",
    ],
    "object_as_text": [
        "[object Object]",  # JavaScript: `Bearer ${response}`
        "Bearer [object Object]",
        "[object Promise]",  # an un-awaited token request
        "<Response [200]>",  # Python requests: str(response)
        "<coroutine object fetch_token at 0x7f9c2b1e4040>",  # not awaited
        "<requests.models.Response object at 0x7f3a2c1b9d90>",
        "{'access_token': 'eyJhbGciOi', 'token_type': 'Bearer'}",  # str(dict)
        '{"token": {"value": "x"}}',  # a JSON object with no access_token string
        '{"error": "access_denied", "error_description": "Unauthorized"}',
        '["directions"]',
        "com.acme.auth.TokenResponse@1b6d3586",  # Java's Object.toString
        "&{eyJhbGciOi 86400 Bearer}",  # Go's %v of a struct pointer
    ],
    "template_unfilled": [
        "{{token}}",  # Postman, without the environment selected
        "{{ access_token }}",  # Jinja, Mustache
        "{{$accessToken}}",
        "${TOKEN}",  # a shell variable in single quotes
        "${process.env.ACCESS_TOKEN}",  # a template literal in plain quotes
        "$TOKEN",
        "$env:TOKEN",  # PowerShell, quoted
        "%ACCESS_TOKEN%",  # cmd.exe
        "<token>",  # copied from documentation
        "<YOUR_ACCESS_TOKEN>",
        "YOUR_ACCESS_TOKEN",
        "your-token-here",
        "{access_token}",  # a Python format string never formatted
        "ACCESS_TOKEN",
    ],
}
CASES = [(cause, text) for cause, texts in SENT.items() for text in texts]


@pytest.mark.parametrize(("cause", "text"), CASES)
def test_what_a_program_sends_without_a_token_is_named(cause, text):
    token = clean_pasted(text).token
    with pytest.raises(NotAJwt) as raised:
        decode(token)
    assert raised.value.cause == cause, str(raised.value)
    assert "opaque" not in str(raised.value) and "no token" in str(raised.value)
    # The diagnosis names it, with the mistake's own fix, and asks no introspection.
    expect = Expectations(Policy("https://issuer.example/", "urn:worldmappers"), "directions")
    check = run_checks(token, expect, None).checks[0]
    assert check.name == "format" and check.ok is False and check.cause == cause
    assert "Request the token with the API's `audience`" not in check.fix, check.fix
    assert not raised.value.opaque  # an opaque token is introspected; this is not one


def test_the_mistakes_name_what_they_show():
    said = {text: str(_not_a_jwt(clean_pasted(text).token)) for _, text in CASES}
    assert "Python's None" in said["None"] and "JavaScript's undefined" in said["undefined"]
    assert "not awaited" in said["[object Promise]"]
    assert "not awaited" in said["<coroutine object fetch_token at 0x7f9c2b1e4040>"]
    refused = '{"error": "access_denied", "error_description": "Unauthorized"}'
    assert "access_denied" in said[refused]
    assert "'{{token}}'" in said["{{token}}"] and "Windows" in said["%ACCESS_TOKEN%"]


def _not_a_jwt(token: str) -> NotAJwt:
    with pytest.raises(NotAJwt) as raised:
        decode(token)
    return raised.value


@pytest.mark.parametrize(
    "token",
    [
        "uQWVDv_TshEsbq5atdS9Qncv-Ah86HgFdMoCcvZr0Us",  # a reference token, as Auth0 makes one
        "2YotnFZFEjr1zCsicMWpAA",  # RFC 6749 §4.4.3's example
        "nullable0123456789abcdef",
        "undefinedXYZ",
        "mF_9.B5f-4.1JqM",  # RFC 6750 §2.1's example b64token
    ],
)
def test_a_real_opaque_token_is_not_taken_for_a_mistake(token):
    found = _not_a_jwt(token)
    assert found.cause == "", str(found)


def test_a_token_response_inside_the_header_is_taken_and_the_mistake_said():
    response = {"access_token": "a.b.c", "token_type": "Bearer", "expires_in": 86400}
    pasted = clean_pasted("Bearer " + json.dumps(response))
    assert pasted.token == "a.b.c" and "sends the response" in pasted.said
