"""The error log: the traceback of what went wrong unexpectedly (a bug, not a refusal or
a network error, which are said in words), kept in the state folder. The one line the
user reads names this file, so the rest is there to report."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from pathlib import Path

from oauth_primitives.private_files import ensure_private_dir

ERROR_LOG = "errors.log"
# Past this the log starts afresh (the previous one kept beside it as errors.log.1).
KEEP_BYTES = 1_000_000
# A JWS or JWT in an exception's message (a token echoed back): cut, as in exchanges.
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]*\.[\w-]*")


def error_log_path(state_dir: Path) -> Path:
    return state_dir / ERROR_LOG


def describe(exc: BaseException) -> str:
    """The exception as one line: its type and its message."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def record_error(
    state_dir: Path, doing: str, exc: BaseException, hide: Iterable[str | None] = ()
) -> Path | None:
    """Append `exc`'s traceback, under what was being done, to the state folder's error
    log (0600 in a 0700 folder). Tokens in it are cut, and each value of `hide` (a
    secret, say) masked. Its path, or None when it cannot be written: the line the user
    read is then all there is, and a failing log must not hide the first failure."""
    import traceback

    from m2m_tui.transcript import masked_token  # ssl and more: not for the first frame

    text = "".join(traceback.format_exception(exc))
    text = _JWT.sub(lambda m: masked_token(m.group()), text)
    for secret in hide:
        if secret:
            text = text.replace(secret, "•••")
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    path = error_log_path(state_dir)
    try:
        ensure_private_dir(state_dir)
        if path.exists() and path.stat().st_size > KEEP_BYTES:
            os.replace(path, path.with_name(ERROR_LOG + ".1"))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as log:
            log.write(f"--- {stamp} {doing}\n{text}\n")
    except OSError:
        return None
    return path
