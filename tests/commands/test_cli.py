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


def test_a_value_that_begins_with_a_dash_is_taken_as_the_value():
    """base64url values (opaque tokens, key ids) begin with "-" one time in 64: argparse
    took `keys revoke -Xqyi7LMb…` for an unknown option (bench/flaky.py found it)."""
    from m2m_tui.cli import build_parser, dashed_values_last

    def parse(*argv):
        return build_parser().parse_args(dashed_values_last(list(argv)))

    assert parse("keys", "revoke", "-Xqyi7LMb7EE2hh1D38i8w").kid == "-Xqyi7LMb7EE2hh1D38i8w"
    token = "-5oLJNBsfhAJinIPkOAkTIi1SL2JiVPHlruFDDf5JgN"
    seen = parse("--profile", "opaque", "introspect", token, "--json")
    assert seen.token == token and seen.json is True
    # Short options and values after options are left as argparse reads them.
    assert parse("-q", "token").quiet is True
    assert dashed_values_last(["call", "-Xabcdefghijklm", "/x"]) == [
        "call",
        "-Xabcdefghijklm",
        "/x",
    ]


def test_help_names_no_port_the_config_may_have_moved():
    """The bundled ports are [server] settings: help that printed 127.0.0.1:7001 was
    wrong for every config that moved them. It names the setting instead."""
    for args in (["--help"], ["token", "--help"], ["verify", "--help"], ["web", "--help"]):
        shown = run(*args)
        assert shown.returncode == 0, shown.stderr
        assert [p for p in ("7000", "7001", "7010") if p in shown.stdout] == [], args
    assert "the profile's api_base_url" in run("token", "--help").stdout
    assert "web_port" in run("web", "--help").stdout
