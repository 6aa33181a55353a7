"""What the generated-token suites share: hypothesis's profiles (`ci`, derandomized,
and `explore`, chosen with HYPOTHESIS_PROFILE) and the one judgement of agreement
between the API's refusal and the diagnosis."""

from __future__ import annotations

import os

import httpx
from hypothesis import HealthCheck, settings

from oauth_primitives.rules import Code, Finding

settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("RULES_EXAMPLES", "700")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    max_examples=20_000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")


def assert_agree(response: httpx.Response, diagnosis, table: Finding | None = None) -> str | None:
    """The API's answer, the diagnosis's first failed check and, when given, the rule
    table's first finding (`table`, run as the API runs it) name the same code."""
    said = response.json() if response.status_code >= 400 else {}
    if table is not None or response.status_code == 200:
        assert (said.get("rule") if response.status_code != 200 else None) == (
            table.code if table is not None else None
        ), f"the API answered {response.status_code} {said}; the table's first: {table}"
    if response.status_code == 200:
        assert diagnosis.failed == [], (
            "the API accepted what the diagnosis refuses",
            [(c.name, c.code, c.detail) for c in diagnosis.checks if c.ok is False],
        )
        return None
    rule = said.get("rule")
    assert rule, f"the API refused ({response.status_code}) without naming a rule: {said}"
    assert diagnosis.rule == rule, (
        f"the API refused for {rule} ({said.get('error_description')}); the diagnosis "
        f"names {diagnosis.rule}",
        [(c.name, c.code) for c in diagnosis.checks if c.ok is False],
    )
    finding = Finding(Code(rule))
    assert response.status_code == finding.status and said["error"] == finding.error
    return rule
