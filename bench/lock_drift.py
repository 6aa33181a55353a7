"""Which installed packages differ from uv.lock: run by the Python of an environment
resolved afresh (bench/newest.sh), so that a failure there names the releases that are
new since the lock, the likely cause.

    .venv-newest/bin/python bench/lock_drift.py [uv.lock]

Prints one line a package, `name  locked -> installed`, and nothing when all agree.
Standard library only: it runs in any environment of the project.
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path


def canonical(name: str) -> str:
    """PEP 503's normalised name: uv.lock and the installed metadata spell names apart."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(lock: Path) -> dict[str, str]:
    packages = tomllib.loads(lock.read_text())["package"]
    return {canonical(p["name"]): p["version"] for p in packages if "version" in p}


def installed() -> dict[str, str]:
    return {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}


def drift(lock: dict[str, str], now: dict[str, str]) -> list[str]:
    lines = []
    for name in sorted(lock.keys() & now.keys()):
        if lock[name] != now[name]:
            lines.append(f"{name}  {lock[name]} -> {now[name]}")
    for name in sorted(now.keys() - lock.keys()):
        lines.append(f"{name}  (not in the lock) -> {now[name]}")
    return lines


def main() -> int:
    lock = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent.parent / "uv.lock"
    # pip, setuptools and friends come with the environment, not from the project.
    ignored = {"pip", "setuptools", "wheel", "uv", "m2m-tui"}
    now = {k: v for k, v in installed().items() if k not in ignored}
    for line in drift(locked(lock), now):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
