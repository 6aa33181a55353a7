"""The downstream hop drawn from an answer's content, whatever that content holds: a
crafted hop's numbers are data, said as such, never a crash of `call` or the API tab."""

from __future__ import annotations

import json

from rich.console import Console

from m2m_tui.api.downstream import hop_headline, hop_view, read_hop


def drawn(renderable) -> str:
    console = Console(width=120, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def hop(**exchange) -> dict:
    return {
        "downstream": {
            "api": "urn:worldmappers:routes",
            "url": "http://127.0.0.1:1/api/routes",
            "status": 200,
            "elapsed_ms": 3.0,
            "exchange": {"status": 200, "aud": "urn:worldmappers:routes", **exchange},
        }
    }


def test_a_crafted_exp_is_said_not_raised():
    # An answer's JSON may carry them: Python's json reads NaN, Infinity and 1e308.
    for exp in ("1e308", "NaN", "-Infinity"):
        answer = hop(exp=json.loads(exp))
        text = drawn(hop_view(read_hop(answer)))
        assert "✓ exchange: 200" in text, exp
        assert f"{json.loads(exp)!r}: not a time any clock reaches" in text, text
        assert "behind it: 200 from urn:worldmappers:routes" in drawn(
            hop_headline(read_hop(answer))
        )
    # A time a clock reaches is still drawn as one.
    assert "expires in" in drawn(hop_view(read_hop(hop(exp=2_000_000_000))))


def test_a_reused_exchanged_token_is_not_said_exchanged_now():
    import time

    act = {"sub": "gift@clients", "act": {"sub": "world-mappers-api@clients"}}
    reused = read_hop(hop(remembered=True, exchanged_at=time.time() - 42, **act))
    text = drawn(hop_view(reused))
    assert "✓ exchanged token reused (exchanged 42 s ago)" in text, text
    assert "exchange: 200" not in text
    head = drawn(hop_headline(reused))
    assert "by an exchanged token reused (exchanged 42 s ago)" in head, head
    # An API that keeps no time of it: reused all the same.
    earlier = read_hop(hop(remembered=True, exchanged_at=float("nan")))
    assert "✓ exchanged token reused (exchanged earlier)" in drawn(hop_view(earlier))
    # A fresh exchange is still an exchange.
    assert "✓ exchange: 200" in drawn(hop_view(read_hop(hop(**act))))
