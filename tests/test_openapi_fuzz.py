"""schemathesis against both OpenAPI documents: the API's and the authority's own.

Requests are generated from each document (valid and invalid ones) and every
answer is checked against it: never a 5xx, a status the document lists, the
content type it names, a body that fits its schema, and invalid input refused.
Bounded per operation, on loopback, against servers this module starts.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import WORLDMAPPERS, start_stack

pytestmark = pytest.mark.slow  # hundreds of generated requests

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
BOUNDED = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same requests on every run: a failure can be replayed
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    stack = start_stack(tmp_path_factory.mktemp("schemathesis") / "state")
    admin = stack.admin()
    grant = admin.get("/client-grants", params={"audience": WORLDMAPPERS}).json()[0]
    every = ["directions", "geocode:location", "reverse-geocode:location"]
    admin.patch(f"/client-grants/{grant['id']}", json={"scope": every}).raise_for_status()
    stack.api_token = stack.token()
    stack.admin_token = admin.headers["Authorization"]
    yield stack
    stack.thread.stop()


@pytest.fixture(scope="module")
def http():
    """One requests session for every generated request: a new one per request costs
    more than the request itself (its TLS setup loads the CAs)."""
    import requests

    with requests.Session() as session:
        yield session


@pytest.fixture(scope="module")
def api_schema(fuzzed):
    return schemathesis.openapi.from_url(fuzzed.api_url + "/openapi.json")


@pytest.fixture(scope="module")
def authority_schema(fuzzed):
    return schemathesis.openapi.from_url(fuzzed.issuer + "openapi.json")


api = schemathesis.pytest.from_fixture("api_schema")
authority = schemathesis.pytest.from_fixture("authority_schema")


@api.parametrize()
@BOUNDED
def test_world_mappers_api(case, fuzzed, http):
    case.call_and_validate(
        session=http,
        headers={"Authorization": f"Bearer {fuzzed.api_token}"},
        checks=CHECKS,
        timeout=10,
    )


@authority.parametrize()
@BOUNDED
def test_authorization_server(case, fuzzed, http):
    headers = {"Authorization": fuzzed.admin_token} if case.path.startswith("/api/v2") else {}
    case.call_and_validate(session=http, headers=headers, checks=CHECKS, timeout=10)
