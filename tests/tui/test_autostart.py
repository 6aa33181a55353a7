"""The app starts the bundled server when the profile needs it, and stops only its own."""

from __future__ import annotations

import socket

from m2m_tui.bundled_servers import listening
from m2m_tui.session.session import Session
from m2m_tui.tui.app import M2MApp
from tests.helpers.processes import server_processes
from tests.helpers.sessions import local_config
from tests.helpers.tui import settle, text_of
from tests.helpers.waiting import wait_until_async


async def test_bundled_server_is_started_and_stopped_with_the_app(tmp_path):
    config, authority, api = local_config(tmp_path)
    session = Session.open(config, tmp_path / "state")
    app = M2MApp(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until_async(
            lambda: app.server is not None and session.endpoints_source == "openapi.json",
            "the bundled server started and its endpoints read",
            step=pilot.pause,
        )
        assert "Started the bundled server in the background" in text_of(
            app.query_one("#token-status")
        )
        assert listening("127.0.0.1", authority) and listening("127.0.0.1", api)
        await pilot.press("t")
        await settle(pilot)
        assert session.token is not None
        server = app.server
    # Quitting stopped the server this app started.
    assert server.process.poll() is not None
    assert not listening("127.0.0.1", authority)


async def test_a_running_server_is_used_and_left_alone(tmp_path, stack):
    config, _, _ = local_config(tmp_path)
    from dataclasses import replace

    port = int(stack.issuer.rsplit(":", 1)[1].strip("/"))
    config = replace(config, server=replace(config.server, authority_port=port))
    profile = replace(config.profiles["local"], issuer=stack.issuer, api_base_url=stack.api_url)
    config = replace(config, profiles={"local": profile})
    session = Session.open(config, tmp_path / "state")
    app = M2MApp(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.server is None
    assert listening("127.0.0.1", port)


async def test_a_taken_api_port_names_its_holder(tmp_path):
    import os

    config, authority, api = local_config(tmp_path)
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", api))
    squatter.listen()
    try:
        session = Session.open(config, tmp_path / "state")
        app = M2MApp(session)
        notes: list[str] = []
        app.notify = lambda message, **_: notes.append(str(message))
        async with app.run_test(size=(120, 40)) as pilot:
            # The start-up worker begins after the first paint.
            await wait_until_async(lambda: bool(notes), "a notification", step=pilot.pause)
            said = " ".join(notes)
            assert "the bundled server exited" in said and "already in use" in said
            assert f"python (pid {os.getpid()}) holds port {api}" in said
    finally:
        squatter.close()


async def test_two_apps_started_together_share_the_server(tmp_path):
    """Two apps on one fresh state folder: one starts the server, the other uses it; the
    first to quit leaves it to the second, and the last one out stops it."""
    config, authority, _ = local_config(tmp_path)
    state = tmp_path / "state"
    first = M2MApp(Session.open(config, state))
    second = M2MApp(Session.open(config, state))
    async with first.run_test(size=(120, 40)) as one:
        async with second.run_test(size=(120, 40)) as two:

            async def both_ready() -> None:
                await one.pause()
                await two.pause()

            await wait_until_async(
                lambda: first.server is not None and second.server is not None,
                "both apps have the bundled server",
                step=both_ready,
            )
            assert first.server.pid == second.server.pid
            assert server_processes(state) == [first.server.pid]
            said = [text_of(app.query_one("#token-status")) for app in (first, second)]
            assert sum("Started the bundled server" in s for s in said) == 1
            assert sum("Using the bundled server another m2m-tui started" in s for s in said) == 1
            for app, pilot in ((first, one), (second, two)):
                await pilot.press("t")
                await settle(pilot)
                assert app.session.token is not None
        # The second app quit: the first still gets tokens.
        await one.press("n")
        await settle(one)
        assert first.session.tokens.outcome.ok and not first.session.tokens.outcome.from_cache
        assert listening("127.0.0.1", authority)
    assert server_processes(state) == []
    assert not listening("127.0.0.1", authority)


async def test_a_token_asked_for_while_the_server_starts_waits_for_it(tmp_path):
    """`t` pressed at once: the request goes when the server answers, not before (when it
    met a port nothing listened on yet: "cannot connect")."""
    config, _, _ = local_config(tmp_path)
    session = Session.open(config, tmp_path / "state")
    app = M2MApp(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        # The answer as the app shows it, not only the session's: the app must have handled
        # it before the test closes the app.
        await wait_until_async(
            lambda: app.loaded.is_set() and "Token re" in text_of(app.query_one("#token-view")),
            "the token request's answer on the Token tab",
            step=pilot.pause,
        )
        assert session.tokens.outcome.ok, session.tokens.outcome.description
        assert app.server is not None and app.server.started


async def test_quitting_while_the_server_starts_leaves_none_running(tmp_path):
    from tests.helpers.waiting import wait_until

    config, authority, _ = local_config(tmp_path)
    state = tmp_path / "state"
    app = M2MApp(Session.open(config, state))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until_async(
            lambda: "Starting the bundled server" in text_of(app.query_one("#token-status")),
            "the start-up under way",
            step=pilot.pause,
        )
    # The start-up went on in its thread after the app was gone: once the server it
    # started is up, it is stopped, not left running for nobody.
    log = state / "serve.log"
    wait_until(lambda: log.exists() and "State:" in log.read_text(), "the server came up")
    wait_until(lambda: server_processes(state) == [], "the server stopped")
    assert not listening("127.0.0.1", authority)
