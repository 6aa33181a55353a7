"""The app's tests: a session on this worker's shared stack, or on a stack of its own."""

from __future__ import annotations

import pytest

from m2m_tui.session.session import Session
from tests.helpers.gated_api import gated_api  # noqa: F401 - a fixture
from tests.helpers.sessions import make_session


@pytest.fixture
def session(tmp_path, shared_stack) -> Session:
    """A session on this worker's shared servers, for tests that leave the tenant as it
    was (tokens and calls change nothing in it). A module whose tests change grants,
    clients or keys overrides this fixture with `fresh_session`'s body."""
    return make_session(tmp_path, shared_stack.issuer, shared_stack.api_url)


@pytest.fixture
def fresh_session(tmp_path, stack) -> Session:
    """A session on servers of its own: the test may change the tenant."""
    return make_session(tmp_path, stack.issuer, stack.api_url)
