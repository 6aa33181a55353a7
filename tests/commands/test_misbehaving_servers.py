"""The CLI against a server that misbehaves on purpose: a sentence, an exit code, no hang.

Every case of the misbehaving server, plus a certificate no one trusts, for the
three commands that talk to a server: token, call and verify.
"""

from __future__ import annotations

import pytest

from tests.conftest import run_cli as cli
from tests.helpers.misbehaving import TOKEN_SAYS, MisbehavingServer, timeout_for
from tests.helpers.sessions import write_config

CASES = MisbehavingServer.ALL_CASES

CALL_SAYS = {
    "slow": "did not answer within 1 s",
    "html": "the API failed (HTTP 502)",
    "500": "the API failed (HTTP 500)",
    "truncated": "JSON is malformed or cut short",
    "xml": "the API answered application/xml, not JSON",
    "loop": "does not follow redirects with a bearer token",
    "tls": "TLS error",
}

A_JWT = (  # any JWT with an iss: verify must fail on the issuer, not on the token
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJpc3MiOiJ4In0.c2ln"
)


def assert_clear(result, says: str) -> None:
    # No hang: the slow case says its 1 s timeout ended the wait (the server answers at 5 s).
    assert result.returncode == 3, result.stderr
    assert says in result.stderr
    assert "m2m-tui: " in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("case", CASES)
def test_token(tmp_path, misbehaving, case):
    write_config(tmp_path / "config.toml", misbehaving.base(case), None)
    result = cli(tmp_path, "token", "--timeout", str(timeout_for(case)))
    assert_clear(result, TOKEN_SAYS[case])
    assert "hint: " in result.stderr and result.stdout == ""


@pytest.mark.parametrize("case", CASES)
def test_call(tmp_path, misbehaving, case):
    api = misbehaving.base(case)
    issuer = f"{misbehaving.url}ok/"  # a token that works, so the call itself is tested
    write_config(tmp_path / "config.toml", issuer, api)
    result = cli(tmp_path, "call", "/api/directions", "--timeout", str(timeout_for(case)))
    assert_clear(result, CALL_SAYS[case])
    assert "opaque-test-token" not in result.stderr + result.stdout


@pytest.mark.parametrize("case", CASES)
def test_verify(tmp_path, misbehaving, case):
    write_config(tmp_path / "config.toml", "http://127.0.0.1:9/", None)
    issuer = misbehaving.base(case)
    result = cli(tmp_path, "verify", "--issuer", issuer, "--timeout", str(timeout_for(case)), A_JWT)
    assert_clear(result, "discovery" if case != "slow" else "within 1 s")
    if case == "tls":
        assert "TLS error" in result.stderr
