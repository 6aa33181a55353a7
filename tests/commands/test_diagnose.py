"""`m2m-tui diagnose` as a script uses it: exit codes, JSON, stdin, errors."""

from __future__ import annotations

import json

import pytest

from tests.conftest import claims, run_cli, signed
from tests.helpers.sessions import write_config


def run(tmp_path, *args, stdin: str | None = None):
    return run_cli(tmp_path, "diagnose", *args, stdin=stdin)


def test_accepted_exits_0_with_stable_json(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    result = run(tmp_path, "--json", "/api/directions?destination=Seattle")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["verdict"] == "accepted" and body["failed"] == []
    assert [c["name"] for c in body["checks"]][:4] == ["format", "alg", "typ", "kid"]
    assert set(body["checks"][0]) == {"name", "ok", "detail", "fix", "code", "cause"}
    assert body["causes"] == [] and body["cleaned"] == []
    assert body["server"]["status"] == 200


def test_rejected_exits_1_with_a_readable_checklist(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    result = run(tmp_path, "/api/location/geocode?address=Paris")
    assert result.returncode == 1
    assert "REJECTED" in result.stdout and "✗ scope" in result.stdout
    assert "fix: Grant `geocode:location`" in result.stdout
    assert "server: 403" in result.stdout


def test_token_from_stdin(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    token = shared_stack.token()
    result = run(
        tmp_path, "--token", "-", "--json", "/api/directions?destination=Paris", stdin=token + "\n"
    )
    assert result.returncode == 0 and json.loads(result.stdout)["verdict"] == "accepted"
    garbage = run(tmp_path, "--token", "-", "--json", "/api/directions", stdin="garbage")
    assert garbage.returncode == 1
    # Not a JWT; and introspection (RFC 7662) says its issuer never issued it.
    assert json.loads(garbage.stdout)["failed"] == ["format", "active"]


def test_api_down_exits_3_as_every_network_error_does(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, "http://127.0.0.1:9")
    result = run(tmp_path, "--token", "x.y.z", "/api/directions")
    assert result.returncode == 3
    assert "cannot connect" in result.stderr and "Traceback" not in result.stderr


def test_usage_error_exits_2(tmp_path):
    result = run(tmp_path)
    assert result.returncode == 2 and "ENDPOINT" in result.stderr


def test_a_request_error_is_not_a_token_refusal(tmp_path, shared_stack):
    # A valid token, a request the API refuses for its parameter, not for the token.
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    result = run(tmp_path, "/api/directions?destination=" + "x" * 250)
    assert result.returncode == 1, result.stdout + result.stderr  # a 4xx, as `call` says
    assert "ACCEPTED" in result.stdout and "REJECTED" not in result.stdout
    assert (
        "the request failed: 400: invalid_request: the query parameter destination is longer"
        in " ".join(result.stdout.split())
    )
    # No theories about clocks, JWKS or audiences when the token was not refused.
    assert "Likely reasons" not in result.stdout and "stale JWKS" not in result.stdout


def test_json_tells_a_refused_token_from_a_failed_request(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    failed = run(tmp_path, "--json", "/api/nowhere")
    assert failed.returncode == 1  # a 404: refused, as `call` exits; the outcome says why
    body = json.loads(failed.stdout)
    assert body["verdict"] == "accepted" and body["outcome"] == "request_failed"
    assert body["server"]["status"] == 404 and "not_found" in body["server"]["message"]
    refused = run(tmp_path, "--json", "/api/location/geocode?address=Paris")
    assert refused.returncode == 1
    body = json.loads(refused.stdout)
    assert body["verdict"] == "rejected" and body["outcome"] == "token_refused"
    ok = run(tmp_path, "--json", "/api/directions")
    assert json.loads(ok.stdout)["outcome"] == "succeeded" and ok.returncode == 0


def test_a_full_url_is_the_server_asked_never_the_profiles_api(tmp_path, stack, shared_stack):
    """The profile's API is `stack`'s; the URL names `shared_stack`'s, another server with
    other keys. The call goes where the URL says (there the token is accepted, where the
    profile's API would refuse it), and the difference is said once."""
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    token = shared_stack.token()
    url = shared_stack.api_url.rstrip("/") + "/api/directions?destination=Seattle"
    result = run(tmp_path, "--json", "--token", token, url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["server"]["status"] == 200
    assert result.stderr.count("is not this profile's API") == 1
    assert f"talking to {shared_stack.api_url.rstrip('/')}" in result.stderr
    # `call` too: the profile's own token, at the other server, is refused there.
    called = run_cli(tmp_path, "call", url)
    assert called.returncode == 1
    assert f"401 GET {shared_stack.api_url.rstrip('/')}/api/directions" in called.stderr


def test_a_path_on_a_profile_without_an_api_asks_for_a_full_url(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, None)
    result = run(tmp_path, "--token", "x.y.z", "/api/directions")
    assert result.returncode == 2 and "give a full URL" in result.stderr
    bad = run(tmp_path, "--token", "x.y.z", "ftp://example/api")
    assert bad.returncode == 2 and "neither a path nor an http(s) URL" in bad.stderr


def test_piped_checklist_has_no_trailing_spaces(tmp_path, shared_stack):
    """Piped, the checklist is text for diff and grep: no line padded to 80 columns."""
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    result = run(tmp_path, "/api/location/geocode?address=Paris")
    assert "✗ scope" in result.stdout
    padded = [line for line in result.stdout.splitlines() if line != line.rstrip()]
    assert padded == []


# What issuers write where RFC 7519 §4.1.2 asks for a string: a user's database id, an
# identity object, null from a field never set.
@pytest.mark.parametrize("sub", [42, {"id": 42, "role": "admin"}, None])
def test_a_sub_that_is_not_a_string_is_named(tmp_path, shared_stack, sub):
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    token = signed(shared_stack, {**claims(shared_stack), "sub": sub})
    result = run(tmp_path, "--json", "--token", token, "/api/directions?destination=Paris")
    assert result.returncode == 1, result.stderr
    body = json.loads(result.stdout)
    assert body["verdict"] == "rejected" and body["failed"] == ["sub"]
    assert body["causes"] == ["subject_not_string"]
    check = next(c for c in body["checks"] if c["name"] == "sub")
    assert check["code"] == "not_a_string" and "not a string" in check["detail"]
    assert body["server"]["status"] == 401
    shown = run(tmp_path, "--token", token, "/api/directions?destination=Paris")
    text = " ".join(shown.stdout.split())  # as read, whatever the terminal's width
    assert "✗ sub" in text and "Cause: sub written as a number (a database id)" in text
    assert "error_description=the sub claim must be a string" in text  # the API's words
    assert "The server's answer agrees with the local checks." in text
    assert "Traceback" not in shown.stderr
