"""The README's first pictures: the app telling the sample's story. A token for Gift
Deliveries, the ✓/✗ predictions, a call to geocode refused with 403, and the Why? panel
on that refusal. Drawn by the app itself against the bundled servers.

Regenerate (the servers on 7000/7001, as a user sees them):
    .venv/bin/python -m tests.tui.story docs/
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from m2m_tui.tui.app import M2MApp
from tests.helpers.sessions import make_session
from tests.helpers.tui import settle

SIZE = (110, 34)


async def tell(app: M2MApp) -> dict[str, str]:
    """{"api": svg, "why": svg}: the API tab after the refused call, and the Why? panel."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("a", "c")  # geocode, with directions only: 403
        await settle(pilot)
        why = app.export_screenshot(title="m2m-tui: why was it refused?")
        await pilot.press("a")
        await settle(pilot)
        api = app.export_screenshot(title="m2m-tui: a token, its predictions, a refusal")
    return {"api": api, "why": why}


def main(out: Path) -> None:
    from api_server.serve import ServeOptions, prepare
    from tests.conftest import ServerThread, repo_settings

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        prepared = prepare(
            # The pictures show 7000 and 7001; the Routes API, unseen, goes on a free port.
            ServeOptions(
                state,
                repo_settings(),
                "127.0.0.1",
                authority_port=7000,
                api_port=7001,
                routes_port=0,
            )
        )
        thread = ServerThread(prepared).start()
        try:
            session = make_session(Path(tmp), prepared.issuer, prepared.api_url)
            shots = asyncio.run(tell(M2MApp(session, autostart=False)))
        finally:
            thread.stop()
    for name, svg in shots.items():
        (out / f"story-{name}.svg").write_text(svg)
        print(f"wrote {out / f'story-{name}.svg'}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
