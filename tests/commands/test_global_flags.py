"""The README's global flags and profile keys, as a user meets them on the command line:
`-q`, a profile's `timeout`, `verify --leeway`, `call --method`, `dpop_key_file`, and
colour only on a terminal (never with NO_COLOR)."""

from __future__ import annotations

import json
import os
import pty
import re
import sys
import time

from tests.conftest import run_cli
from tests.helpers.processes import spawn
from tests.helpers.sessions import write_config


def test_quiet_leaves_only_the_result(tmp_path, stack):
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    said = run_cli(tmp_path, "call", "/api/directions", "--param", "destination=Auth0 Office")
    assert said.returncode == 0 and said.stderr.startswith("200 GET")
    for quiet in (["-q", "call"], ["call", "--quiet"]):
        args = [*quiet, "/api/directions", "--param", "destination=Auth0 Office"]
        result = run_cli(tmp_path, *args)
        assert result.returncode == 0 and result.stderr == ""
        assert json.loads(result.stdout)[-1]["action"].startswith("Arrive")


def test_a_profiles_timeout_bounds_each_request(tmp_path, stack, misbehaving):
    write_config(
        tmp_path / "config.toml",
        stack.issuer,
        misbehaving.base("slow").rstrip("/"),
        slowapi=(
            f'issuer = "{stack.issuer}"\nclient_id = "giftdeliveries"\n'
            'client_secret = "giftdeliveries-local-secret"\naudience = "urn:worldmappers"\n'
            f'api_base_url = "{misbehaving.base("slow").rstrip("/")}"\ntimeout = 1'
        ),
    )
    result = run_cli(tmp_path, "--profile", "slowapi", "call", "/api/directions")
    # Its 1 s timeout ended the wait: the slow server holds its answer for 5 s.
    assert result.returncode == 3 and "did not answer within 1 s" in result.stderr


def test_verify_leeway_forgives_a_few_seconds_of_expiry(tmp_path, fake_issuer):
    write_config(tmp_path / "config.toml", fake_issuer.issuer, None)
    now = int(time.time())
    expired = fake_issuer.sign(fake_issuer.claims(exp=now - 20, iat=now - 600))
    strict = run_cli(tmp_path, "verify", "--leeway", "0", "--json", expired)
    assert strict.returncode == 1 and "exp" in json.loads(strict.stdout)["failed"]
    lenient = run_cli(tmp_path, "verify", "--leeway", "60", "--json", expired)
    assert lenient.returncode == 0 and json.loads(lenient.stdout)["valid"] is True


def test_call_method_sends_that_method(tmp_path, stack):
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    result = run_cli(tmp_path, "call", "/api/directions", "--method", "POST")
    assert result.stderr.startswith("405 POST"), result.stderr
    assert result.returncode == 1


def test_a_dpop_key_file_is_the_key_tokens_are_bound_to(tmp_path, stack):
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from oauth_primitives.jwk import thumbprint

    key = ec.generate_private_key(ec.SECP256R1())
    pem = tmp_path / "mine.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pem.chmod(0o600)
    write_config(
        tmp_path / "config.toml",
        stack.issuer,
        stack.api_url,
        bound=(
            f'issuer = "{stack.issuer}"\nclient_id = "giftdeliveries"\n'
            'client_secret = "giftdeliveries-local-secret"\naudience = "urn:worldmappers"\n'
            f'api_base_url = "{stack.api_url}"\ndpop = true\ndpop_key_file = "{pem}"'
        ),
    )
    result = run_cli(tmp_path, "--profile", "bound", "token", "--json")
    assert result.returncode == 0, result.stderr
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    assert json.loads(result.stdout)["dpop_jkt"] == thumbprint(public)
    assert not (tmp_path / "state" / "dpop-keys").exists()  # no key of its own was made


# An SGR sequence that sets a foreground or background colour (bold and italics are not
# colour: NO_COLOR leaves them, as no-color.org says).
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|38|4[0-7]|48|9[0-7]|10[0-7])[;m]")


def _on_a_terminal(tmp_path, *args: str, no_color: bool) -> str:
    """The command's output as a terminal would receive it."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm-256color"
    if no_color:
        env["NO_COLOR"] = "1"
    leader, follower = pty.openpty()
    proc = spawn(
        [sys.executable, "-m", "m2m_tui", "--config", str(tmp_path / "config.toml"), *args],
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command has finished
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=30)
    os.close(leader)
    return out.decode("utf-8", "replace")


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path, fake_issuer):
    write_config(tmp_path / "config.toml", fake_issuer.issuer, None)
    token = fake_issuer.sign(fake_issuer.claims())
    assert COLOUR.search(_on_a_terminal(tmp_path, "decode", token, no_color=False))
    plain = _on_a_terminal(tmp_path, "decode", token, no_color=True)
    assert not COLOUR.search(plain) and "urn:worldmappers" in plain
    piped = run_cli(tmp_path, "decode", token, env={"NO_COLOR": ""})
    assert "\x1b[" not in piped.stdout and "urn:worldmappers" in piped.stdout
