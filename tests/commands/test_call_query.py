"""What `m2m-tui call` sends as its query: the path's query as typed (a name repeated, a
bare name), `--param` replacing a name only with a warning, and a parameter the endpoint
does not take named before the call, since the API ignores it without a word."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli as cli
from tests.helpers.echo import echo_api
from tests.helpers.sessions import write_config


@pytest.fixture
def configured(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    return tmp_path


@pytest.fixture
def echo():
    with echo_api() as url:
        yield url + "echo"


def query_sent(result) -> str:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["query"]


def test_printed_curl_keeps_repeated_and_bare_parameters(configured):
    both = cli(
        configured, "call", "/api/location/geocode?address=Paris&address=Berlin", "--print", "curl"
    )
    assert both.returncode == 0, both.stderr
    assert "/api/location/geocode?address=Paris&address=Berlin'" in both.stdout
    bare = cli(configured, "call", "/api/location/geocode?address", "--print", "curl")
    assert "/api/location/geocode?address'" in bare.stdout
    empty = cli(configured, "call", "/api/location/geocode?address=", "--print", "curl")
    assert "/api/location/geocode?address='" in empty.stdout
    httpie = cli(configured, "call", "/api/location/geocode?address=Paris&address=Berlin",
                 "--print", "httpie")  # fmt: skip
    assert "address==Paris address==Berlin" in httpie.stdout


def test_the_query_goes_as_typed(configured, echo):
    typed = "address=Paris&address=Berlin&verbose&note=a+b%26c"
    assert query_sent(cli(configured, "call", f"{echo}?{typed}")) == typed
    added = cli(configured, "call", echo, "--param", "a=1", "--param", "a=2", "--param", "b=")
    assert query_sent(added) == "a=1&a=2&b="
    assert "warning" not in added.stderr


def test_param_replacing_the_paths_own_is_said(configured, echo):
    result = cli(configured, "call", f"{echo}?address=Paris&x=1&address=Rome",
                 "--param", "address=Berlin")  # fmt: skip
    assert query_sent(result) == "x=1&address=Berlin"
    assert (
        "warning: --param address=Berlin replaces address=Paris, address=Rome from the path"
        in result.stderr
    )


def test_a_parameter_the_endpoint_does_not_take_is_named_before_the_call(configured):
    result = cli(configured, "call", "/api/directions", "--param", "address=Paris",
                 "--print", "curl")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "GET /api/directions has no query parameter 'address'" in result.stderr
    assert "it takes origin, destination" in result.stderr and "openapi.json" in result.stderr
    typo = cli(configured, "call", "/api/directions?destinaton=Seattle", "--print", "curl")
    assert "no query parameter 'destinaton'" in typo.stderr
    assert "did you mean destination?" in typo.stderr
    right = cli(configured, "call", "/api/directions", "--param", "destination=Seattle",
                "--print", "curl")  # fmt: skip
    assert right.returncode == 0 and "warning" not in right.stderr
    bad = cli(configured, "call", "/api/directions", "--param", "address")
    assert bad.returncode == 2 and "--param takes k=v" in bad.stderr
