"""`m2m-tui quota` against the bundled tenant: a client's, an organization's and the
tenant's default token quota set, shown and removed through the Management API; and
`m2m-tui token` over the quota saying which quota, when it resets and that the cache is
the fix, while the cached token still serves."""

from __future__ import annotations

import json
import time

from tests.conftest import run_cli
from tests.helpers.sessions import write_config


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_set_a_clients_quota_go_over_it_and_read_the_hint(tmp_path, stack):
    frozen = time.time()
    stack.authority.clock = lambda: frozen  # no UTC hour may end during the test
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    said = ok(run_cli(tmp_path, "quota", "set", "giftdeliveries", "--per-hour", "1"))
    assert said.startswith("giftdeliveries: 1 per hour, enforced: token requests beyond 1 per")
    shown = ok(run_cli(tmp_path, "quota", "show", "giftdeliveries"))
    assert shown == "giftdeliveries: 1 per hour, enforced (its own)\n"
    ok(run_cli(tmp_path, "token", "--no-cache"))
    over = run_cli(tmp_path, "token", "--no-cache")
    assert over.returncode == 1
    assert "no token: too_many_requests: Client quota exceeded" in over.stderr
    assert "hint: Client quota used up: client giftdeliveries may get 1 token per hour" in (
        over.stderr
    )
    assert "reuse tokens, not new credentials" in over.stderr
    # The fix the hint names: the cached token still serves.
    assert ok(run_cli(tmp_path, "token")).count(".") == 2
    # --monitor keeps the hour and counts without refusing.
    said = ok(run_cli(tmp_path, "quota", "set", "giftdeliveries", "--per-day", "9", "--monitor"))
    assert said.startswith("giftdeliveries: 1 per hour, 9 per day, not enforced")
    ok(run_cli(tmp_path, "token", "--no-cache"))
    as_json = json.loads(ok(run_cli(tmp_path, "quota", "show", "giftdeliveries", "--json")))
    assert as_json == {
        "token_quota": {"enforce": False, "per_hour": 1, "per_day": 9},
        "own": True,
    }


def test_defaults_organizations_and_removal(tmp_path, stack):
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    stack.admin().post("/organizations", json={"name": "acme"})
    ok(run_cli(tmp_path, "quota", "set", "--default", "clients", "--per-hour", "30"))
    ok(run_cli(tmp_path, "quota", "set", "--org", "acme", "--per-day", "5"))
    shown = ok(run_cli(tmp_path, "quota", "show"))
    assert "tenant default for clients: 30 per hour, enforced\n" in shown
    assert "tenant default for organizations: no token quota\n" in shown
    assert "  giftdeliveries  30 per hour, enforced (the tenant's default for clients)" in shown
    assert "  acme  5 per day, enforced (its own)" in shown
    ok(run_cli(tmp_path, "quota", "set", "giftdeliveries", "--per-hour", "2"))
    removed = ok(run_cli(tmp_path, "quota", "remove", "giftdeliveries"))
    assert "the tenant's default for clients applies" in removed
    ok(run_cli(tmp_path, "quota", "remove", "--default", "clients"))
    shown = ok(run_cli(tmp_path, "quota", "show", "giftdeliveries"))
    assert shown == (
        "giftdeliveries: no token quota (none of its own, no tenant default for clients)\n"
    )


def test_bad_input_is_a_sentence_and_an_exit_status(tmp_path, stack):
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    cases = [
        (("quota", "set"), 2, "name a CLIENT, --org ORG or --default KIND"),
        (("quota", "set", "giftdeliveries"), 2, "give --per-hour, --per-day"),
        (("quota", "set", "giftdeliveries", "--per-hour", "0"), 2, "not a number of tokens"),
        (("quota", "set", "giftdeliveries", "--org", "acme"), 2, "name one of"),
        (("quota", "set", "nobody", "--per-hour", "3"), 1, "unknown client 'nobody'"),
        (("quota", "show", "--org", "acme"), 1, "no organization 'acme'"),
        (
            ("quota", "set", "giftdeliveries", "--per-hour", "off"),
            2,
            "a quota needs --per-hour or --per-day",
        ),
    ]
    for args, status, says in cases:
        result = run_cli(tmp_path, *args)
        assert (result.returncode, says in result.stderr) == (status, True), result.stderr
        assert "Traceback" not in result.stderr
