"""Processes a test can see running, from /proc (Linux)."""

from __future__ import annotations

from pathlib import Path


def server_processes(state_dir: Path) -> list[int]:
    """The bundled servers running on `state_dir`, by pid."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if b"api_server" in argv and str(state_dir).encode() in argv and state != "Z":
            pids.append(int(proc.name))
    return pids
