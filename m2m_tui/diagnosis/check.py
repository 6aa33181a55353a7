"""One check of a diagnosis: what was checked, whether it passed, what it found, and
the fix. A module of its own because the token checks (diagnosis.py) and the DPoP
checks (dpop_diagnosis.py) both make them, and neither may import the other back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Check:
    name: str
    ok: bool | None  # None: not checked, because an earlier check made it meaningless
    detail: str
    fix: str = ""
