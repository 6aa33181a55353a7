"""Token differences: scopes as sets, every other claim by value."""

from __future__ import annotations

import jwt

from m2m_tui.tokens.diff import diff_tokens

KEY = "diff-test-key-diff-test-key-32bytes!"


def test_scopes_as_sets_and_claims_by_value():
    before = jwt.encode(
        {"scope": "directions geocode:location", "aud": "a", "iat": 1, "sub": "x"},
        KEY,
        algorithm="HS256",
        headers={"kid": "k1"},
    )
    after = jwt.encode(
        {
            "scope": "geocode:location reverse-geocode:location directions x",
            "aud": "b",
            "iat": 2,
            "sub": "x",
        },
        KEY,
        algorithm="HS256",
        headers={"kid": "k2"},
    )
    diff = diff_tokens(before, after)
    assert diff.added_scopes == ["reverse-geocode:location", "x"]
    assert diff.removed_scopes == []
    assert diff.kept_scopes == ["directions", "geocode:location"]
    changed = {c.claim: (c.before, c.after, c.volatile) for c in diff.claims}
    assert changed == {
        "aud": ("a", "b", False),
        "iat": (1, 2, True),
        "header.kid": ("k1", "k2", False),
    }


def test_order_of_scopes_is_not_a_change():
    a = jwt.encode({"scope": "a b"}, KEY, algorithm="HS256")
    b = jwt.encode({"scope": "b a"}, KEY, algorithm="HS256")
    assert not diff_tokens(a, b).scopes_changed
