"""What people paste, cleaned once and said: the cleaned token is the one checked and
sent, and a token cut short or credentials of another kind are named for what they are."""

from __future__ import annotations

import base64
import json
import textwrap

import jwt
import pytest

from m2m_tui.tokens.decoded import NotAJwt, decode
from m2m_tui.tokens.pasted import Removed, clean_pasted

TOKEN = jwt.encode({"sub": "a@clients", "scope": "x y"}, "k" * 32, algorithm="HS256")


@pytest.mark.parametrize(
    ("text", "removed"),
    [
        (TOKEN, ()),
        (f"{TOKEN}\n", (Removed.WHITESPACE,)),
        (f'"{TOKEN}"', (Removed.QUOTES,)),
        (f"Bearer {TOKEN}", (Removed.SCHEME,)),
        (f"bearer   {TOKEN}", (Removed.SCHEME,)),
        (f"DPoP {TOKEN}", (Removed.SCHEME,)),
        (f"Authorization: Bearer {TOKEN}", (Removed.HEADER_NAME, Removed.SCHEME)),
        (f"'Bearer {TOKEN}'", (Removed.QUOTES, Removed.SCHEME)),
        (
            f'  "access_token": "{TOKEN}",\n',
            (Removed.WHITESPACE, Removed.TRAILING_COMMA, Removed.JSON_FIELD, Removed.QUOTES),
        ),
        (
            json.dumps({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 86400}),
            (Removed.JSON_ANSWER,),
        ),
        # Out of a log or an email: wrapped at 76 columns (as base64 is, RFC 2045), or at 64.
        ("\n".join(textwrap.wrap(TOKEN, 76)), (Removed.LINE_BREAKS,)),
        ("\r\n".join(textwrap.wrap(TOKEN, 64)) + "\r\n", (Removed.WHITESPACE, Removed.LINE_BREAKS)),
        # From a chat app: its quotes, its zero-width spaces.
        (f"\u201c{TOKEN}\u201d", (Removed.QUOTES,)),
        (f"\u200b{TOKEN}\ufeff", (Removed.INVISIBLE,)),
        # From a redirect's fragment, or a form body.
        (
            f"https://app.example/cb#access_token={TOKEN}&token_type=Bearer&expires_in=60",
            (Removed.URL_PARAMETERS,),
        ),
        # The code added `Bearer ` to a value that had it: cleaned, and the mistake named.
        (f"Bearer Bearer {TOKEN}", (Removed.SCHEME, Removed.SCHEME_TWICE)),
        (
            "Bearer " + json.dumps({"access_token": TOKEN, "token_type": "Bearer"}),
            (Removed.SCHEME, Removed.RESPONSE_SENT),
        ),
        # From a PDF or a terminal: a space where a line ended.
        (TOKEN[:40] + " " + TOKEN[40:], (Removed.LINE_BREAKS,)),
    ],
)
def test_a_pasted_token_is_cleaned_and_what_was_removed_is_said(text, removed):
    pasted = clean_pasted(text)
    assert pasted.token == TOKEN
    assert pasted.removed == removed
    assert decode(pasted.token).payload["sub"] == "a@clients"
    assert bool(pasted.said) == bool(removed)


def test_text_that_is_no_token_is_left_as_it_is():
    for text in ("hello world", "Bearer", ""):
        assert clean_pasted(text).token == text.strip()


def test_a_jwt_without_its_signature_is_named_not_called_opaque():
    cut = TOKEN.rsplit(".", 1)[0]
    with pytest.raises(NotAJwt) as caught:
        decode(cut)
    assert caught.value.cause == "signature_cut_off" and not caught.value.opaque
    assert "without its signature" in str(caught.value)


def test_basic_credentials_are_named_and_the_secret_is_not_repeated():
    basic = base64.b64encode(b"giftdeliveries:giftdeliveries-local-secret").decode()
    for text in (basic, f"Basic {basic}", f"Authorization: Basic {basic}"):
        with pytest.raises(NotAJwt) as caught:
            decode(clean_pasted(text).token)
        assert caught.value.cause == "basic_credentials"
        assert "giftdeliveries" in str(caught.value)
        assert "local-secret" not in str(caught.value)
    # A random opaque token is not mistaken for credentials.
    with pytest.raises(NotAJwt) as opaque:
        decode("8Zq3kP0xWw2vJ1n5Rt7bYc")
    assert opaque.value.cause == "" and opaque.value.opaque


def test_a_token_shortened_for_display_is_named():
    for shortened in (TOKEN[:30] + "…" + TOKEN[-10:], TOKEN[:30] + "..." + TOKEN[-10:]):
        with pytest.raises(NotAJwt) as caught:
            decode(clean_pasted(shortened).token)
        assert caught.value.cause == "shortened" and not caught.value.opaque
