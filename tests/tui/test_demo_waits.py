"""The demo's waits: an event that never comes fails the step, naming what it waited for,
after the deadline; never a hang."""

from __future__ import annotations

import asyncio

import pytest

from m2m_tui.demo.script import StepFailed
from m2m_tui.tui.demo_waits import Waits
from m2m_tui.tui.messages import TokenReceived


class Waiting(Waits):
    patience = 0.3
    workers: list = []


async def test_a_wait_goes_on_the_moment_its_message_is_handled():
    waiting = Waiting()
    heard = waiting.heard(TokenReceived)
    asyncio.get_running_loop().call_later(0.05, waiting.on_token_received, None)
    await waiting.until_heard(TokenReceived, heard, "the token")
    assert waiting.heard(TokenReceived) == heard + 1


async def test_an_event_that_never_comes_fails_naming_what_was_awaited():
    waiting = Waiting()
    with pytest.raises(StepFailed) as info:
        await waiting.until_heard(TokenReceived, 0, "the token (the token tab's answer)")
    assert str(info.value) == (
        "waited 0.3 s for the token (the token tab's answer), and it never came"
    )


async def test_a_worker_that_raises_ends_the_wait_at_once_with_its_line():
    from m2m_tui.tui.messages import JobFailed

    waiting = Waiting()
    waiting.patience = 60.0  # the failure, not the deadline, must end the wait
    failed = JobFailed("Token request failed: RuntimeError: boom")
    asyncio.get_running_loop().call_later(0.05, waiting.on_job_failed, failed)
    with pytest.raises(StepFailed) as info:
        await asyncio.wait_for(waiting.until_heard(TokenReceived, 0, "the token"), 10)
    assert str(info.value) == (
        "Token request failed: RuntimeError: boom (while waiting for the token)"
    )
