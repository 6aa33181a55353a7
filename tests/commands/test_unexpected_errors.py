"""A bug inside `token`, `call` or `diagnose` (an exception of any kind, injected here
into the core function each calls) ends in one line on stderr naming it and where its
traceback was kept, and exit status 1: never a traceback on the terminal."""

from __future__ import annotations

import pytest

from m2m_tui.api import client as api_client
from m2m_tui.cli import main
from m2m_tui.session.explainer import Explainer
from m2m_tui.session.session import Session
from tests.helpers.sessions import write_config

CASES = {
    "token": ((Session, "get_token"), ["token"]),
    "call": (
        (api_client, "send"),
        ["call", "/api/directions", "--param", "destination=Auth0 Office"],
    ),
    "diagnose": ((Explainer, "diagnose"), ["diagnose", "/api/directions?destination=Auth0 Office"]),
}


@pytest.mark.parametrize("command", sorted(CASES))
@pytest.mark.parametrize("exc", [RuntimeError("boom"), ValueError("bad [value]")])
def test_an_unexpected_error_is_one_line_and_exit_1(
    command, exc, tmp_path, shared_stack, monkeypatch, capsys
):
    (owner, name), argv = CASES[command]
    config = write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    state = tmp_path / "state"
    base = ["--config", str(config), "--state-dir", str(state)]

    async def raising(*args, **kwargs):
        raise exc

    with monkeypatch.context() as m:
        m.setattr(owner, name, raising)
        code = main(base + argv)
    err = capsys.readouterr().err
    log = state / "errors.log"
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        f"m2m-tui: error: unexpected {type(exc).__name__}: {exc} (the full traceback is in {log})"
    )
    assert "Traceback" not in err
    assert "Traceback" in log.read_text() and f"{type(exc).__name__}: {exc}" in log.read_text()
    # Put back, the same command works.
    assert main(base + argv) == 0
