"""One-off overrides, oauth2c-style (`token --scope/--audience/--resource/--client-id`,
the secret from a variable), and curl-style requests (`call -X/-H/--data/--json`)."""

from __future__ import annotations

import json

import jwt
import pytest

from tests.conftest import run_cli as cli
from tests.helpers.echo import echo_api
from tests.helpers.sessions import write_config


@pytest.fixture
def configured(tmp_path, stack):
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    return tmp_path


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_token_scope_and_audience_for_one_run_leave_the_config_alone(configured, stack):
    admin = stack.admin()
    grant = admin.get("/client-grants", params={"client_id": "giftdeliveries"}).json()[0]
    admin.patch(f"/client-grants/{grant['id']}", json={"scope": ["directions", "geocode:location"]})
    before = (configured / "config.toml").read_text()
    narrow = cli(configured, "token", "--scope", "geocode:location")
    assert narrow.returncode == 0, narrow.stderr
    assert claims(narrow.stdout.strip())["scope"] == "geocode:location"
    # The cache knows the scope was another: the profile's own request gets its own token.
    full = cli(configured, "token", "--json")
    assert json.loads(full.stdout)["from_cache"] is False
    assert claims(json.loads(full.stdout)["access_token"])["scope"] == "directions geocode:location"
    again = json.loads(cli(configured, "token", "--scope", "geocode:location", "--json").stdout)
    assert again["from_cache"] is True and again["scope"] == "geocode:location"
    refused = cli(configured, "token", "--scope", "reverse-geocode:location")
    assert refused.returncode == 1 and "invalid_scope" in refused.stderr
    nowhere = cli(configured, "token", "--audience", "urn:nowhere")
    assert nowhere.returncode == 1 and "urn:nowhere" in nowhere.stderr
    assert (configured / "config.toml").read_text() == before


def test_another_client_with_its_secret_from_a_variable(configured, stack):
    secret = "m2m-admin-local-secret"
    result = cli(
        configured,
        "token",
        "--client-id",
        "m2m-admin",
        "--client-secret-env",
        "ADMIN_SECRET",
        "--audience",
        f"{stack.issuer}api/v2/",
        "--json",
        env={"ADMIN_SECRET": secret},
    )
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert claims(body["access_token"])["azp"] == "m2m-admin"
    assert secret not in result.stdout + result.stderr
    wrong = cli(
        configured,
        "token",
        "--client-secret-env",
        "GIFT_SECRET",
        "--no-cache",
        env={"GIFT_SECRET": "not-the-secret"},
    )
    assert wrong.returncode == 1 and "invalid_client" in wrong.stderr
    unset = cli(configured, "token", "--client-secret-env", "UNSET_FOR_SURE", "--no-cache")
    assert unset.returncode == 2
    assert "UNSET_FOR_SURE is not set" in unset.stderr
    assert "hint: export UNSET_FOR_SURE=" in unset.stderr


@pytest.fixture
def echo():
    """An API that answers with what it was sent: method, headers, body."""
    with echo_api() as url:
        yield url + "echo"


def sent(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_call_sends_a_json_body_as_curl_does(configured, echo):
    token = cli(configured, "token").stdout.strip()
    got = sent(cli(configured, "call", echo, "--json", '{"destination": "Seattle"}'))
    assert got["method"] == "POST" and got["body"] == '{"destination": "Seattle"}'
    assert got["headers"]["content-type"] == "application/json"
    assert got["headers"]["authorization"] == f"Bearer {token}"
    # `--json` alone still prints the answer as JSON, before the path or after it.
    for args in (["--json", echo], [echo, "--json"]):
        answer = sent(cli(configured, "call", *args))
        assert answer["status"] == 200 and answer["body"]["method"] == "GET"
    bad = cli(configured, "call", echo, "--json", "{destination: Seattle}")
    assert bad.returncode == 2 and "the body is not JSON" in bad.stderr
    both = cli(configured, "call", echo, "--json", "{}", "--data", "a=b")
    assert both.returncode == 2 and "not both" in both.stderr


def test_call_sends_data_from_a_file_with_any_method_and_headers(configured, echo, tmp_path):
    body = tmp_path / "body.txt"
    body.write_text("line one\nline two\n")
    got = sent(
        cli(
            configured,
            "call",
            echo,
            "-X",
            "put",
            "--data",
            f"@{body}",
            "-H",
            "X-Trace: 42",
            "--header",
            "Content-Type: text/plain",
        )
    )
    assert got["method"] == "PUT" and got["body"] == "line one\nline two\n"
    assert got["headers"]["x-trace"] == "42" and got["headers"]["content-type"] == "text/plain"
    form = sent(cli(configured, "call", echo, "-d", "a=1", "-d", "b=2"))
    assert form["method"] == "POST" and form["body"] == "a=1&b=2"
    assert form["headers"]["content-type"] == "application/x-www-form-urlencoded"
    piped = sent(cli(configured, "call", echo, "-X", "PATCH", "--json", "@-", stdin="[1, 2]"))
    assert piped["method"] == "PATCH" and piped["body"] == "[1, 2]"
    assert cli(configured, "call", echo, "-H", "no colon here").returncode == 2
    missing = cli(configured, "call", echo, "-d", f"@{tmp_path / 'absent.txt'}")
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_a_pasted_token_in_a_header_goes_instead_of_the_profiles(configured, echo):
    got = cli(configured, "call", echo, "-H", "Authorization: Bearer pasted.token.here")
    assert sent(got)["headers"]["authorization"] == "Bearer pasted.token.here"
    assert "not the profile's token" in got.stderr
    printed = cli(
        configured, "call", echo, "-H", "Authorization: Bearer pasted.token.here",
        "--json", '{"a": 1}', "--print", "curl",
    )  # fmt: skip
    assert printed.returncode == 0
    assert "pasted.token.here" not in printed.stdout  # masked, as the profile's would be
    assert "-H 'Authorization: Bearer ••••••'" in printed.stdout
    assert "--data-raw '{\"a\": 1}'" in printed.stdout and "-X" not in printed.stdout
    shown = cli(
        configured, "call", echo, "-H", "Authorization: Bearer pasted.token.here",
        "--print", "curl", "--show-secrets",
    )  # fmt: skip
    assert "Bearer pasted.token.here" in shown.stdout


def test_call_token_sends_a_pasted_token_cleaned_and_says_so(configured, echo):
    token = cli(configured, "token").stdout.strip()
    got = cli(configured, "call", echo, "--token", f'"Bearer {token}"\n')
    assert sent(got)["headers"]["authorization"] == f"Bearer {token}"
    assert "note: cleaned the pasted token: removed" in got.stderr
    assert "the quotes around it" in got.stderr
    piped = cli(configured, "call", echo, "--token", "-", stdin=f"Authorization: Bearer {token}")
    assert sent(piped)["headers"]["authorization"] == f"Bearer {token}"
    empty = cli(configured, "call", echo, "--token", "  ")
    assert empty.returncode == 2 and "--token is empty" in empty.stderr
