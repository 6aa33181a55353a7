"""The app's own costs, headless (issue 8, targets 7, 8, 9, 13).

    python bench/tui.py

7: time to first frame, against a bare Textual app with Header and Footer, same run.
8: the inspector rendering a token with 500 scopes and 8 KiB of claims.
9: the history with 10,000 entries: the slowest single page-down.
13: resident memory with 10,000 history entries.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import tempfile
import time
from pathlib import Path

import jwt
from textual.app import App
from textual.widgets import Footer, Header

from m2m_tui.config.file import parse_config
from m2m_tui.session.session import HistoryEntry, Inspection, Session
from m2m_tui.tui.app import M2MApp

CONFIG = '[profiles.x]\nissuer = "http://127.0.0.1:9/"\nclient_id = "c"\nclient_secret = "s"\n'


class Bare(App):
    def compose(self):
        yield Header()
        yield Footer()


def session(tmp: str) -> Session:
    return Session.open(parse_config(CONFIG, Path("bench.toml")), Path(tmp))


async def first_frame(make) -> tuple[float, float]:
    """(ms to the first frame painted, ms until the app is idle after start-up)."""
    start = time.perf_counter()
    app = make()
    painted: list[float] = []
    display = app._display

    def first_paint(screen, renderable) -> None:
        if renderable is not None and not painted:
            painted.append((time.perf_counter() - start) * 1000)
        display(screen, renderable)

    app._display = first_paint  # the one place every frame goes through
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        return painted[0], (time.perf_counter() - start) * 1000


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ours, bare = [], []
        for _ in range(5):
            bare.append(await first_frame(Bare))
            ours.append(await first_frame(lambda: M2MApp(session(tmp), autostart=False)))
        b, o = statistics.median(f for f, _ in bare), statistics.median(f for f, _ in ours)
        bi, oi = statistics.median(i for _, i in bare), statistics.median(i for _, i in ours)
        print(
            f"7. first frame painted: ours {o:.0f} ms, bare Textual {b:.0f} ms: {o / b:.2f}× "
            f"(target ≤ 1.5×); idle after start-up: ours {oi:.0f} ms, bare {bi:.0f} ms: "
            f"{oi / bi:.2f}×"
        )

        scopes = " ".join(f"scope:{i:03d}" for i in range(500))
        claims = {
            "iss": "https://i/",
            "sub": "c@clients",
            "aud": "urn:a",
            "exp": 2**31,
            "iat": 1,
            "scope": scopes,
            "blob": "x" * 8192,
        }
        token = jwt.encode(claims, "k" * 32, algorithm="HS256", headers={"kid": "k"})
        app = M2MApp(session(tmp), autostart=False)
        async with app.run_test(size=(120, 40)) as pilot:
            from m2m_tui.api.client import ApiEndpoint
            from m2m_tui.tokens.decoded import decode

            app.session.api.use_table(
                [ApiEndpoint("GET", f"/x/{i}", f"scope:{i:03d}", "") for i in range(0, 600, 2)],
                "benchmark",
            )
            app.inspector.inspection = Inspection(token, decode(token))
            app.action_show_tab("inspector")
            await pilot.pause()
            times = []
            for _ in range(10):
                start = time.perf_counter()
                app.inspector.render_inspection()
                await pilot.pause()
                times.append((time.perf_counter() - start) * 1000)
            idle = []
            for _ in range(10):  # the harness's own wait, with nothing to draw
                start = time.perf_counter()
                await pilot.pause()
                idle.append((time.perf_counter() - start) * 1000)
            full, floor = statistics.median(times), statistics.median(idle)
            print(
                f"8. inspector, 500 scopes + 8 KiB claims: median {full:.1f} ms per full render"
                f" and paint, of which {floor:.1f} ms is the harness waiting with nothing to"
                f" draw: {full - floor:.1f} ms of work (target < 50 ms)"
            )
            ticks = []
            for _ in range(10):
                start = time.perf_counter()
                app.tick()
                await pilot.pause()
                ticks.append((time.perf_counter() - start) * 1000)
            print(f"   the once-a-second countdown tick: median {statistics.median(ticks):.1f} ms")

            pages = {}
            for total in (100, 10_000):
                # The history is append-only: grow it to `total` entries.
                for i in range(len(app.session.history), total):
                    app.session.history.add(HistoryEntry(float(i), "call", f"GET /x/{i}", "200"))
                start = time.perf_counter()
                app.history.sync()
                await pilot.press("h", "home")
                await pilot.pause()
                load = (time.perf_counter() - start) * 1000
                table = app.query_one("#history-table")
                times = []
                for _ in range(30):
                    start = time.perf_counter()
                    await pilot.press("pagedown")
                    await pilot.pause()
                    times.append((time.perf_counter() - start) * 1000)
                pages[total] = (statistics.median(times), max(times), load, table.cursor_row)
            idle = []
            for _ in range(10):  # a key bound to nothing: the harness's own cost per key
                start = time.perf_counter()
                await pilot.press("z")
                await pilot.pause()
                idle.append((time.perf_counter() - start) * 1000)
            (m1, w1, _, _), (m2, w2, load, row) = pages[100], pages[10_000]
            print(
                f"9. history page-down, median/slowest: 100 entries {m1:.0f}/{w1:.0f} ms, "
                f"10,000 entries {m2:.0f}/{w2:.0f} ms ({m2 / m1:.2f}×; a key bound to nothing: "
                f"{statistics.median(idle):.0f} ms); 10,000 shown in {load:.0f} ms; cursor at {row}"
            )
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"13. peak RSS of this process with 10,000 history entries: {rss:.0f} MB "
                "(target ≤ 150 MB)"
            )


if __name__ == "__main__":
    asyncio.run(main())
