"""The app's tests: a session on this worker's shared stack, or on a stack of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from m2m_tui.session.session import Session
from m2m_tui.tui.app import M2MApp
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


@pytest.fixture
def offline_app(tmp_path: Path, monkeypatch) -> M2MApp:
    """The app on a session that points at nothing (:9), before its first token: what it
    draws is the same on every run (the snapshots, the docs' screenshots)."""
    for name in ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "RESOURCE_SERVER"):
        monkeypatch.delenv(name, raising=False)
    # The API at :9 does not answer either: the app falls back on the built-in endpoints.
    session = make_session(tmp_path, "http://127.0.0.1:9/", "http://127.0.0.1:9")
    return M2MApp(session, autostart=False)
