"""The `m2m-tui` command's own messages (the app itself is driven in tests/tui)."""

from __future__ import annotations

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "m2m_tui", *args], capture_output=True, text=True, timeout=60
    )


def test_malformed_config_names_the_file_and_line_before_the_app_opens(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text('default_profile = "x"\n[profiles.x\nissuer = 1\n')
    result = run("--config", str(bad))
    assert result.returncode == 2
    assert str(bad) in result.stderr and "line 2" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_profile_is_named(tmp_path):
    result = run("--profile", "nope")
    assert result.returncode == 2 and "no profile named 'nope'" in result.stderr
