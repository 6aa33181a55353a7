"""A session not opened yet: what the app's first frame needs of it (the profile), and
how to open it once that frame is on the screen (the session's modules, the HTTP stack
and the JWT library take longer to import than the frame takes to draw)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from m2m_tui.config.file import Config
from m2m_tui.config.profile import Profile

if TYPE_CHECKING:
    from m2m_tui.session.session import Session


@dataclass(frozen=True)
class SessionLoader:
    config: Config
    state_dir: Path
    profile: Profile
    timeout: float | None = None

    def load(self) -> Session:
        from m2m_tui.session.session import Session

        return Session(self.config, self.state_dir, self.profile, timeout=self.timeout)
