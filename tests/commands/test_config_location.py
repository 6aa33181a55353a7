"""Which config the commands use, run as an installed tool would be: from an empty folder,
with a fresh HOME and no M2M_TUI_* variables. The per-user file is written once from the
shipped default; every way it can go wrong is a sentence that names the path."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from m2m_tui.config.file import default_config_text


def fresh_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("M2M_TUI_", "XDG_")) and k not in ("HOME",)
    }
    return {**env, "HOME": str(home), "NO_COLOR": "1", **extra}


def m2m(home: Path, *args: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "m2m_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=fresh_env(home, **extra),
    )


@pytest.fixture
def user(tmp_path):
    home, folder = tmp_path / "home", tmp_path / "empty"
    home.mkdir()
    folder.mkdir()
    return home, folder


def test_first_use_writes_the_per_user_config_once_and_private(user):
    home, folder = user
    first = m2m(home, "profiles", "list", cwd=folder)
    written = home / ".config" / "m2m-tui" / "config.toml"
    assert first.returncode == 0, first.stderr
    assert f"Wrote the default config to {written}" in first.stderr
    assert written.read_text() == default_config_text()
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    # profiles list names the file it read, then the shipped profiles.
    assert first.stdout.splitlines()[0] == f"# {written}"
    assert "local" in first.stdout and "local-admin" in first.stdout
    again = m2m(home, "profiles", "list", cwd=folder)
    assert again.returncode == 0 and "Wrote" not in again.stderr
    assert not list(folder.iterdir()), "nothing is written to the folder it runs from"


def test_an_edited_per_user_config_is_kept(user):
    home, folder = user
    written = home / ".config" / "m2m-tui" / "config.toml"
    written.parent.mkdir(parents=True)
    written.write_text('[profiles.mine]\nissuer = "http://127.0.0.1:9/"\nclient_id = "me"\n')
    listed = m2m(home, "profiles", "list", "--json", cwd=folder)
    assert [p["name"] for p in json.loads(listed.stdout)] == ["mine"]
    assert "Wrote" not in listed.stderr


def test_config_path_prints_the_config_in_use_and_the_state_folder(user, tmp_path):
    home, folder = user
    shown = m2m(home, "config", "path", cwd=folder)
    assert shown.returncode == 0
    config_line, state_line = shown.stdout.splitlines()
    assert str(home / ".config" / "m2m-tui" / "config.toml") in config_line
    assert "per-user" in config_line and "not written yet" in config_line
    assert state_line.split() == ["state", str(home / ".local" / "share" / "m2m-tui")]
    named = tmp_path / "named.toml"
    named.write_text(default_config_text())
    by_env = json.loads(
        m2m(home, "config", "path", "--json", cwd=folder, M2M_TUI_CONFIG=str(named)).stdout
    )
    assert by_env["config"] == str(named) and by_env["config_from"] == "$M2M_TUI_CONFIG"
    assert by_env["exists"] is True
    by_flag = m2m(home, "--config", str(named), "config", "path", cwd=folder)
    assert f"config  {named}  (from --config)" in by_flag.stdout


def test_config_init_without_a_config_writes_the_default_then_adds_the_profile(user):
    home, folder = user
    added = m2m(home, "config", "init", "--provider", "okta", cwd=folder)
    assert added.returncode == 0, added.stderr
    text = (home / ".config" / "m2m-tui" / "config.toml").read_text()
    assert text.startswith(default_config_text()) and "[profiles.okta]" in text


def no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr + result.stdout


def test_an_env_config_that_points_nowhere_is_named(user, tmp_path):
    home, folder = user
    missing = tmp_path / "nowhere" / "config.toml"
    result = m2m(home, "profiles", "list", cwd=folder, M2M_TUI_CONFIG=str(missing))
    assert result.returncode == 2
    assert str(missing) in result.stderr and "M2M_TUI_CONFIG" in result.stderr
    assert not missing.exists()
    no_traceback(result)


def test_a_config_that_is_a_folder_is_named(user, tmp_path):
    home, folder = user
    result = m2m(home, "--config", str(tmp_path), "token", cwd=folder)
    assert result.returncode == 2
    assert f"{tmp_path} is a folder, not a config file" in result.stderr
    no_traceback(result)
    per_user = home / ".config" / "m2m-tui" / "config.toml"
    per_user.mkdir(parents=True)
    result = m2m(home, "profiles", "list", cwd=folder)
    assert result.returncode == 2 and f"{per_user} is a folder" in result.stderr
    no_traceback(result)


def test_a_config_folder_that_cannot_be_made_is_named(user, tmp_path):
    home, folder = user
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = m2m(home, "profiles", "list", cwd=folder, XDG_CONFIG_HOME=str(blocker))
    assert result.returncode == 2
    assert f"cannot create the config file {blocker}/m2m-tui/config.toml" in result.stderr
    assert "is not a folder" in result.stderr and "--config PATH" in result.stderr
    no_traceback(result)


def test_a_config_folder_that_cannot_be_written_is_named(user):
    # /sys refuses new folders even to root (the suite runs as root in CI), as a
    # read-only or foreign folder refuses them to anyone else.
    home, folder = user
    result = m2m(home, "profiles", "list", cwd=folder, XDG_CONFIG_HOME="/sys")
    assert result.returncode == 2
    assert "cannot create the config file /sys/m2m-tui/config.toml" in result.stderr
    assert "/sys cannot be written" in result.stderr
    no_traceback(result)
