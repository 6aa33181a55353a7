"""Proof signatures checked in the API's helper process (api_server/resource/proof_helper):
the same answers as on the event loop, and no call held or lost when the helper fails."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from api_server.resource.proof_helper import ANSWER, REQUEST, serve
from tests.dpop.conftest import Holder, call, dpop_token

PATH = "/api/directions"


def frame(request_id: int, proof: str) -> bytes:
    data = proof.encode()
    return REQUEST.pack(request_id, len(data)) + data


def forged(holder: Holder, url: str, token: str) -> str:
    """A proof that names the holder's key but is signed by another."""
    return holder.proof("GET", url, token, key=ec.generate_private_key(ec.SECP256R1()))


def test_the_helper_answers_each_framed_proof_by_its_id():
    holder = Holder()
    url = "http://127.0.0.1:1" + PATH
    frames = (
        frame(7, holder.proof("GET", url, "tok"))
        + frame(8, forged(holder, url, "tok"))
        + frame(9, "not.a-proof.at-all")
        + frame(10, Holder("RS256").proof("GET", url, "tok"))
    )
    to_helper, helper_in = os.pipe()
    helper_out, from_helper = os.pipe()
    worker = threading.Thread(target=serve, args=(to_helper, from_helper))
    worker.start()
    # Split mid-frame: the helper waits for the rest instead of misreading it.
    os.write(helper_in, frames[:50])
    time.sleep(0.05)
    os.write(helper_in, frames[50:])
    answers = b""
    while len(answers) < 4 * ANSWER.size:
        answers += os.read(helper_out, 64)
    os.close(helper_in)  # end of input: the helper returns
    worker.join(5)
    assert not worker.is_alive()
    assert dict(ANSWER.iter_unpack(answers)) == {7: 1, 8: 0, 9: 0, 10: 1}
    for fd in (to_helper, helper_out, from_helper):
        os.close(fd)


def wait_for(condition, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def helper_pid(stack) -> int:
    helper = stack.api_state.proof_helper
    wait_for(lambda: helper.running)
    return helper._transport.get_pid()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def started(stack):
    """A fresh tenant whose API has started its helper (the first DPoP call starts it)."""
    holder = Holder()
    token = dpop_token(stack, holder).json()["access_token"]
    url = stack.api_url + PATH
    first = call(stack, PATH, token, holder.proof("GET", url, token))
    assert first.status_code == 200, first.text  # checked on the loop while it starts
    return stack, holder, token, url, helper_pid(stack)


def test_calls_are_accepted_and_forgeries_refused_through_the_helper(started):
    stack, holder, token, url, pid = started
    assert call(stack, PATH, token, holder.proof("GET", url, token)).status_code == 200
    refused = call(stack, PATH, token, forged(holder, url, token))
    assert refused.status_code == 401
    assert "signature does not match" in refused.headers["www-authenticate"]
    assert stack.api_state.proof_helper.running and alive(pid)


def test_stopping_the_api_stops_its_helper(started):
    stack, *_, pid = started
    stack.thread.stop()
    wait_for(lambda: not alive(pid) or _zombie(pid), 5)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1].startswith("Z")
    except FileNotFoundError:
        return True


def test_a_helper_that_exits_leaves_the_checks_to_the_api(started):
    stack, holder, token, url, pid = started
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not stack.api_state.proof_helper.running, 5)
    assert call(stack, PATH, token, holder.proof("GET", url, token)).status_code == 200
    assert call(stack, PATH, token, forged(holder, url, token)).status_code == 401


def test_a_helper_that_stops_answering_does_not_hold_calls(started):
    stack, holder, token, url, pid = started
    os.kill(pid, signal.SIGSTOP)
    try:
        # The helper is stopped and never answers: an answer at all means the API gave
        # up on it (after STUCK_AFTER) and checked the proof itself.
        answered = call(stack, PATH, token, holder.proof("GET", url, token))
        assert answered.status_code == 200, answered.text
        assert not stack.api_state.proof_helper.running
        assert call(stack, PATH, token, forged(holder, url, token)).status_code == 401
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_a_busy_helper_is_waited_for_not_given_up(started, monkeypatch):
    """On a loaded machine a healthy helper may not answer within STUCK_AFTER: it waits
    for a core (runnable), and giving it up then moved every later proof back onto the
    loop for good (a loaded test run caught it). A runnable helper is waited for."""
    from api_server.resource import proof_helper

    stack, holder, token, url, pid = started
    monkeypatch.setattr(proof_helper, "runnable", lambda pid: True)  # as if waiting for a core
    os.kill(pid, signal.SIGSTOP)  # silent for as long as the test says
    answers = []
    try:
        proof = holder.proof("GET", url, token)
        sender = threading.Thread(target=lambda: answers.append(call(stack, PATH, token, proof)))
        sender.start()
        time.sleep(proof_helper.STUCK_AFTER * 2)
        assert stack.api_state.proof_helper.running and not answers  # still waited for
        os.kill(pid, signal.SIGCONT)
        sender.join(30)
        assert answers and answers[0].status_code == 200, answers
        assert stack.api_state.proof_helper.running and alive(pid)
    finally:
        os.kill(pid, signal.SIGCONT)


def test_runnable_tells_a_process_at_work_from_a_stopped_or_sleeping_one():
    import subprocess
    import sys

    from api_server.resource.proof_helper import runnable

    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    sleeping = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        wait_for(lambda: runnable(busy.pid) is True)  # running, or waiting for a core
        os.kill(busy.pid, signal.SIGSTOP)
        wait_for(lambda: runnable(busy.pid) is False)  # stopped: state T
        time.sleep(0.5)  # the sleeper is asleep by now
        wait_for(lambda: runnable(sleeping.pid) is False)  # state S
    finally:
        for child in (busy, sleeping):
            child.kill()
            child.wait()
    assert runnable(busy.pid) is None  # gone: /proc cannot tell


def test_the_helper_can_be_turned_off(tmp_path):
    from dataclasses import replace

    from tests.conftest import repo_settings, start_stack

    settings = repo_settings()
    settings = replace(settings, api=replace(settings.api, dpop_helper=False))
    stack = start_stack(tmp_path / "state", settings)
    try:
        holder = Holder()
        token = dpop_token(stack, holder).json()["access_token"]
        url = stack.api_url + PATH
        for _ in range(3):
            assert call(stack, PATH, token, holder.proof("GET", url, token)).status_code == 200
        assert not stack.api_state.proof_helper.running
    finally:
        stack.thread.stop()
