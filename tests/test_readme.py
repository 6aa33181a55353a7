"""The README's walk-throughs run as written: every block marked `<!-- walkthrough -->`
is read from the README itself (never a copy), and each of its lines is run by bash,
`m2m-tui` being this checkout, on the shipped config with the bundled server moved to
free ports (the one setting in [server]). A line ending in `&` runs in the background
(a server) and the next waits until it answers; a trailing `# N: words` is the exit
status the line must have and words it must say, else it must exit 0."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from m2m_tui.config.file import load_config
from tests.conftest import REPO_CONFIG, free_port
from tests.helpers.processes import Child, spawn
from tests.helpers.waiting import wait_until

README = Path(__file__).resolve().parent.parent / "README.md"
MARK = re.compile(r"<!-- walkthrough[^>]*-->\s*```(?:bash|sh)\n(.*?)```", re.S)
STATUS = re.compile(r"#\s*(\d+):")


def walkthroughs() -> list[str]:
    return MARK.findall(README.read_text(encoding="utf-8"))


def expected(line: str) -> tuple[int, str]:
    """A trailing `# N: words`: exit status N, and the words somewhere in what it said;
    any other comment is prose (exit status 0)."""
    comment = line.partition(" #")[2]
    found = STATUS.match("#" + comment) if comment else None
    if not found:
        return 0, ""
    return int(found.group(1)), comment.split(":", 1)[1].strip()


@pytest.fixture
def shell(tmp_path):
    """bash with `m2m-tui` on PATH as this interpreter's m2m_tui, the config and state in
    tmp_path (by the environment, as a user's shell would have them)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "m2m-tui"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m m2m_tui "$@"\n')
    shim.chmod(0o755)
    text = REPO_CONFIG.read_text()
    text = text.replace("authority_port = 7000", f"authority_port = {free_port()}")
    text = text.replace("api_port = 7001", f"api_port = {free_port()}")
    text = text.replace("routes_port = 7002", f"routes_port = {free_port()}")
    (tmp_path / "config.toml").write_text(text)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "M2M_TUI_CONFIG": str(tmp_path / "config.toml"),
        "M2M_TUI_STATE_DIR": str(tmp_path / "state"),
        "NO_COLOR": "1",
    }
    background: list[Child] = []
    work = tmp_path / "work"  # the user's folder: files a walk-through writes land here
    work.mkdir()
    env["PWD"] = str(work)
    yield env, background, load_config(tmp_path / "config.toml")
    for proc in background:
        proc.stop(grace=15)  # the group: bash and the server it started


def test_there_are_walkthroughs_to_run():
    assert len(walkthroughs()) >= 1


@pytest.mark.slow
@pytest.mark.parametrize("number", range(len(walkthroughs())))
def test_a_readme_walkthrough_runs_as_written(shell, number):
    env, background, config = shell
    lines = [line for line in walkthroughs()[number].splitlines() if line.strip()]
    for line in lines:
        command = line.split(" #")[0].strip()
        if command.endswith("&"):
            background.append(
                spawn(
                    ["bash", "-c", command.rstrip("&")],
                    env=env,
                    cwd=env["PWD"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            wait_until(lambda: answers(config), f"the server of: {command}")
            continue
        result = subprocess.run(
            ["bash", "-c", f"set -o pipefail; {command}"],
            env=env,
            cwd=env["PWD"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        said = f"{command}\n{result.stdout}\n{result.stderr}"
        status, words = expected(line)
        assert result.returncode == status, said
        assert words in result.stdout + result.stderr, said
        assert "Traceback" not in result.stderr, said


def answers(config) -> bool:
    try:
        discovery = httpx.get(config.server.issuer + ".well-known/openid-configuration")
        health = httpx.get(config.server.api_url + "/health")
        routes = httpx.get(config.server.routes_url() + "/health")
    except httpx.HTTPError:
        return False
    return discovery.status_code == 200 and health.status_code == 200 == routes.status_code


def test_a_readme_profile_at_the_bundled_ports_names_their_setting():
    """A profile in the README that writes the bundled server's address out (over TLS,
    where `bundled = true` cannot) says which [server] setting each port is, so a reader
    who moved the server knows what to write; anything else follows `{issuer}`."""
    blocks = re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    bare = []
    for block in blocks:
        for line in block.splitlines():
            if line.lstrip().startswith("#"):
                continue
            value, _, comment = line.partition(" #")
            for port, setting in (("7000", "authority_port"), ("7001", "api_port")):
                if f":{port}" in value and setting not in comment:
                    bare.append(line.strip())
    assert bare == []


def test_what_the_readme_says_lacks_api_base_url_does():
    """The README once said the shipped `local-admin` had no api_base_url (and the API
    tab would say so) after `bundled = true` had given it one."""
    profiles = load_config(REPO_CONFIG).profiles
    text = " ".join(README.read_text(encoding="utf-8").split())
    for sentence in re.split(r"(?<=[.;])\s", text):
        if re.search(r"(without|no) `api_base_url`", sentence):
            for name in re.findall(r"the shipped `([\w-]+)`", sentence):
                if re.search(rf"`{re.escape(name)}` has one", sentence):
                    continue
                assert profiles[name].api_base_url is None, sentence
