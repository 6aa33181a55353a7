"""The state directory both sides share, and files that hold secrets (keys, tokens,
the tenant): written 0600 in a 0700 folder, never world-readable even briefly."""

from __future__ import annotations

import os
from pathlib import Path

STATE_DIR_ENV = "M2M_TUI_STATE_DIR"


def default_state_dir() -> Path:
    """`$M2M_TUI_STATE_DIR`, else the per-user data directory."""
    env = os.environ.get(STATE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("m2m-tui", appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) and make it 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def write_private_file(path: Path, data: bytes | str) -> None:
    """Write a file readable only by its owner (0600), atomically."""
    if isinstance(data, str):
        data = data.encode()
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def touch_private_file(path: Path) -> None:
    """Make sure `path` exists with mode 0600 (for files others create, like SQLite's)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def others_can_read(path: Path) -> str | None:
    """Why a private key file is not private enough (readable by its group or by
    others, as ssh refuses such a key), or None. On systems without POSIX modes, None."""
    if os.name != "posix":
        return None
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        return f"{path} is readable by others (mode {mode:04o}): chmod 600 {path}"
    return None
