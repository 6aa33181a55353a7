"""A browser tab that goes away during the WebSocket handshake: `m2m-tui web` ends that
request with a plain answer, never the unprepared WebSocket aiohttp cannot finish (its
write_eof raised "Call .prepare() first" and logged a traceback, seen under load)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from aiohttp import web

from m2m_tui.commands.web.app_process import ReapingServer


@pytest.mark.parametrize("gone", [ConnectionResetError("reset"), RuntimeError("closing")])
async def test_a_handshake_cut_short_ends_in_a_plain_answer(monkeypatch, gone):
    async def cut_short(self, request):
        raise gone

    monkeypatch.setattr(web.WebSocketResponse, "prepare", cut_short)
    server = ReapingServer()
    # All the handler reads of the request before the handshake is its query (the size).
    answer = await server.handle_websocket(SimpleNamespace(query={"width": "80"}))
    assert not isinstance(answer, web.WebSocketResponse)
    assert answer.status == 400
    assert server.running_apps == set()  # no app was started for it
