"""Actions that fail in plain sight (issue #47, part 3), as a user meets them in the
shell: a failing Action is named, with its error and where in its code, by `token` and
`call`; one that loops is named before the client gives up; a broken Action can be
unbound with one command; and a deploy refuses what could never run, saying where."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.helpers.actions import deployed
from tests.helpers.sessions import write_config

# Fails for every client, the Management API's own too, as a careless Action does.
THROWER = """exports.onExecuteCredentialsExchange = async (event, api) => {
  const id = event.client.client_id;
  throw new Error("lookup failed for " + id);
};"""
# A name the deploy check cannot read (it is computed): it fails when it runs.
HIDDEN_REQUIRE = """exports.onExecuteCredentialsExchange = async (event, api) => {
  const name = ["ax", "ios"].join("");
  const axios = require(name);
};"""
SPINNER = "exports.onExecuteCredentialsExchange = async () => {\n  while (true) {}\n};"


def cli(tmp_path, stack):
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    return lambda *args: run_cli(tmp_path, *args)


def place(code: str, text: str) -> str:
    """Where `text` starts in `code`, as the user is told: line and column, from 1."""
    before = code[: code.index(text)]
    line = before.count("\n") + 1
    return f"line {line}, column {len(before) - (before.rfind(chr(10)) + 1) + 1}"


def test_a_failing_action_is_named_with_its_error_and_place_by_token_and_call(tmp_path, stack):
    m2m = cli(tmp_path, stack)
    deployed(stack.admin(), "Thrower", THROWER)
    for command in (("token", "--no-cache"), ("call", "/api/directions")):
        failed = m2m(*command)
        assert failed.returncode == 3, failed.stderr
        said = failed.stderr
        assert "Action Thrower failed: Error: lookup failed for giftdeliveries" in said
        assert f"({place(THROWER, 'new Error')})" in said
        assert "m2m-tui actions unbind Thrower" in said  # the way back, named
        assert "HTTP 500 from the server" not in said and "try again later" not in said


def test_a_require_the_deploy_could_not_see_is_placed_in_the_actions_code(tmp_path, stack):
    """The runner's own `require` throws: the place is the Action's call, not the runner's."""
    m2m = cli(tmp_path, stack)
    deployed(stack.admin(), "axios", HIDDEN_REQUIRE)
    failed = m2m("token", "--no-cache")
    assert failed.returncode == 3
    assert 'Action axios failed: Error: require("axios")' in failed.stderr
    assert f"({place(HIDDEN_REQUIRE, 'require(name)')})" in failed.stderr
    assert "m2m-tui actions unbind axios" in failed.stderr
    (tmp_path / "axios.js").write_text(HIDDEN_REQUIRE)
    tested = m2m("actions", "test", str(tmp_path / "axios.js"))
    assert tested.returncode == 1
    assert f"✗ failed at {place(HIDDEN_REQUIRE, 'require(name)')}: Error" in tested.stdout


@pytest.mark.slow
def test_an_action_that_loops_is_named_before_the_client_gives_up(tmp_path, stack):
    """The profile's own timeout (the default, 10 s) and the authority's own limit."""
    m2m = cli(tmp_path, stack)
    deployed(stack.admin(), "Spinner", SPINNER)
    stuck = m2m("token", "--no-cache")
    assert stuck.returncode == 3
    assert "Action Spinner did not finish within" in stuck.stderr, stuck.stderr
    assert "slow or stuck" not in stuck.stderr
    assert "m2m-tui actions unbind Spinner" in stuck.stderr


def test_a_broken_action_is_undone_with_one_command(tmp_path, stack):
    m2m = cli(tmp_path, stack)
    deployed(stack.admin(), "Thrower", THROWER)
    listed = m2m("actions", "list")
    assert listed.returncode == 0 and "Thrower  deployed v1  bound #1" in listed.stdout
    previewed = m2m("preview")
    assert previewed.returncode == 1, previewed.stderr
    assert "Action Thrower failed" in previewed.stdout
    assert "m2m-tui actions unbind Thrower" in previewed.stdout
    unbound = m2m("actions", "unbind", "Thrower")
    assert unbound.returncode == 0, unbound.stderr
    assert "unbound Thrower" in unbound.stdout
    assert m2m("token", "--no-cache").returncode == 0


NPM = """exports.onExecuteCredentialsExchange = async (event, api) => {
  const crypto = require("node:crypto");
  const axios = require('axios'); // an npm package
  api.accessToken.setCustomClaim("n", crypto.randomUUID());
};"""
NOT_OFFERED = """// require("axios") in a comment is not a require
const fs = require("fs");
exports.onExecuteCredentialsExchange = async () => {};"""
BROKEN = """exports.onExecuteCredentialsExchange = async (event, api) => {
  const tier = "gold";
  let claim = ;
};"""


def test_deploy_refuses_an_npm_require_and_a_syntax_error_saying_where(tmp_path, stack):
    m2m = cli(tmp_path, stack)
    said = {}
    for name, code, words in (
        ("npm", NPM, ("require('axios')", "npm package", place(NPM, "require('axios')"))),
        ("offered", NOT_OFFERED, ('require("fs")', "crypto", place(NOT_OFFERED, 'require("fs")'))),
        ("broken", BROKEN, ("SyntaxError", place(BROKEN, ";\n};"))),
    ):
        (tmp_path / f"{name}.js").write_text(code)
        refused = m2m("actions", "deploy", str(tmp_path / f"{name}.js"), "--bind")
        assert refused.returncode == 1, refused.stderr
        said[name] = refused.stderr
        for word in (f"{name}.js was not deployed", *words):
            assert word in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
    assert "axios" not in said["offered"]  # a require in a comment is no require
    assert "no Actions yet" in m2m("actions", "list").stderr  # nothing was created
    (tmp_path / "fine.js").write_text(NPM.replace("require('axios')", "require('node:url')"))
    assert m2m("actions", "deploy", str(tmp_path / "fine.js")).returncode == 0


def test_the_management_api_checks_code_wherever_it_takes_it(stack):
    """Create, update and deploy: an Action saved before the check (an older tenant's)
    is refused at deploy, naming the line."""
    admin = stack.admin()
    base = {"supported_triggers": [{"id": "credentials-exchange"}]}
    made = admin.post("/actions/actions", json={**base, "name": "npm", "code": NPM})
    assert made.status_code == 400
    assert place(NPM, "require('axios')") in made.json()["message"]
    fine = admin.post("/actions/actions", json={**base, "name": "fine", "code": THROWER})
    assert fine.status_code == 201, fine.text
    edited = admin.patch(f"/actions/actions/{fine.json()['id']}", json={"code": BROKEN})
    assert edited.status_code == 400 and "SyntaxError" in edited.json()["message"]
    assert "line 3" in edited.json()["message"]
    old = stack.authority.tenant.actions.create("old", NPM, {}, "node22")
    deploy = admin.post(f"/actions/actions/{old.id}/deploy")
    assert deploy.status_code == 400 and "require('axios')" in deploy.json()["message"]
    assert place(NPM, "require('axios')") in deploy.json()["message"]
