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
from textual.widgets import DataTable, Footer, Header

from m2m_tui.config import parse_config
from m2m_tui.session import HistoryEntry, Inspection, Session
from m2m_tui.tui.app import M2MApp

CONFIG = '[profiles.x]\nissuer = "http://127.0.0.1:9/"\nclient_id = "c"\nclient_secret = "s"\n'


class Bare(App):
    def compose(self):
        yield Header()
        yield Footer()


def session(tmp: str) -> Session:
    return Session.open(parse_config(CONFIG, Path("bench.toml")), Path(tmp))


async def first_frame(make) -> float:
    start = time.perf_counter()
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        return (time.perf_counter() - start) * 1000


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ours, bare = [], []
        for _ in range(5):
            bare.append(await first_frame(Bare))
            ours.append(await first_frame(lambda: M2MApp(session(tmp), autostart=False)))
        b, o = statistics.median(bare), statistics.median(ours)
        print(
            f"7. first frame: ours {o:.0f} ms, bare Textual {b:.0f} ms: {o / b:.2f}× "
            "(target ≤ 1.5×)"
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
            from m2m_tui.jwt_inspect import decode

            app.session.offered_scopes = [f"scope:{i:03d}" for i in range(0, 600, 2)]
            app.inspection = Inspection(token, decode(token))
            app.action_show_tab("inspector")
            await pilot.pause()
            times = []
            for _ in range(10):
                start = time.perf_counter()
                app.render_inspection()
                await pilot.pause()
                times.append((time.perf_counter() - start) * 1000)
            print(
                f"8. inspector, 500 scopes + 8 KiB claims: median {statistics.median(times):.1f}"
                " ms per full render and paint (target < 50 ms)"
            )
            ticks = []
            for _ in range(10):
                start = time.perf_counter()
                app.tick()
                await pilot.pause()
                ticks.append((time.perf_counter() - start) * 1000)
            print(f"   the once-a-second countdown tick: median {statistics.median(ticks):.1f} ms")

            app.session.history.extend(
                HistoryEntry(float(i), "call", f"GET /x/{i}", "200") for i in range(10_000)
            )
            start = time.perf_counter()
            app.add_history_rows()
            await pilot.press("h")
            await pilot.pause()
            load = (time.perf_counter() - start) * 1000
            table = app.query_one("#history-table", DataTable)
            worst = 0.0
            for _ in range(60):
                start = time.perf_counter()
                await pilot.press("pagedown")
                await pilot.pause()
                worst = max(worst, (time.perf_counter() - start) * 1000)
            print(
                f"9. history, 10,000 entries: shown in {load:.0f} ms; slowest page-down "
                f"{worst:.1f} ms over 60 (cursor at row {table.cursor_row})"
            )
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"13. peak RSS of this process with 10,000 history entries: {rss:.0f} MB "
                "(target ≤ 150 MB)"
            )


if __name__ == "__main__":
    asyncio.run(main())
