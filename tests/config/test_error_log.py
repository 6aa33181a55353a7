"""The error log keeps a traceback, never a token or a secret, readable by its owner only."""

from __future__ import annotations

import stat

from m2m_tui.config.error_log import describe, record_error


def test_the_log_keeps_the_traceback_and_masks_tokens_and_secrets(tmp_path):
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJnaWZ0In0.c2lnbmF0dXJlLXZhbHVl"
    try:
        raise RuntimeError(f"the server echoed {token} and s3cret-value")
    except RuntimeError as exc:
        path = record_error(tmp_path / "state", "Token request failed", exc, ["s3cret-value"])
    text = path.read_text()
    assert "Token request failed" in text and "Traceback" in text and "RuntimeError" in text
    assert token not in text and "eyJhbGciOiJS" in text  # cut, still told apart
    assert "s3cret-value" not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_log_that_cannot_be_written_is_none_not_a_second_failure(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert record_error(blocker / "state", "x", ValueError("y")) is None


def test_describe_is_one_line():
    assert describe(ValueError("two\nlines")) == "ValueError: two lines"
    assert describe(KeyError()) == "KeyError"
