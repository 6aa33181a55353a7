"""A bundled tenant over TLS (`serve --tls both`): both listeners ask for client
certificates. A fresh one per module: the tests register certificates and bind tokens."""

from __future__ import annotations

import pytest

from tests.conftest import start_stack


@pytest.fixture(scope="module")
def tls_stack(tmp_path_factory):
    stack = start_stack(tmp_path_factory.mktemp("mtls") / "state", tls="both")
    yield stack
    stack.thread.stop()
