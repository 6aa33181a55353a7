"""Every dialect has its sentence, and one a tenant names that m2m-tui does not know
yet is told as such, not a crash (`grants dialect`, the Token tab, the Grants screen)."""

from __future__ import annotations

from m2m_tui.tokens.dialects import DIALECT_WORDS, words_of
from oauth_primitives.rules.closed_sets import Dialect


def test_every_dialect_has_its_sentence():
    assert set(DIALECT_WORDS) == set(Dialect)
    assert words_of("rfc9068_profile") == DIALECT_WORDS[Dialect.RFC9068_PROFILE]


def test_a_dialect_newer_than_the_list_is_told_plainly():
    assert words_of("access_token_v3") == "a dialect m2m-tui does not know yet"
