"""The one organization rule the bundled API enforces and the client predicts with."""

from __future__ import annotations

import pytest

from oauth_primitives.organizations import organization_of

ACME = {"org_id": "org_1", "org_name": "acme"}


@pytest.mark.parametrize(
    "claims, served, expected",
    [
        ({}, (), (None, False)),  # no org_id: refused even by an API that serves any
        ({"org_id": ""}, (), (None, False)),
        ({"org_id": 7}, ("acme",), (None, False)),
        (ACME, (), ("acme (org_1)", True)),  # serves any
        (ACME, ("acme",), ("acme (org_1)", True)),  # by name
        (ACME, ("org_1",), ("acme (org_1)", True)),  # by id
        (ACME, ("globex", "org_2"), ("acme (org_1)", False)),
        ({"org_id": "org_1"}, ("acme",), ("org_1", False)),  # no org_name to match by
    ],
)
def test_which_tokens_an_organization_serving_api_takes(claims, served, expected):
    assert organization_of(claims, served) == expected
