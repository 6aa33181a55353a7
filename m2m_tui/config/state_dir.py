"""Where m2m-tui keeps its state: `--state-dir`, else what the servers use too."""

from __future__ import annotations

from pathlib import Path

from oauth_primitives.private_files import default_state_dir


def resolve_state_dir(flag: str | None = None) -> Path:
    """`--state-dir`, else `$M2M_TUI_STATE_DIR`, else the per-user data directory."""
    if flag:
        return Path(flag).expanduser()
    return default_state_dir()
