"""Driving the app in a test: waiting until it is quiet, pasting, reading what it shows."""

from __future__ import annotations

from rich.console import Console


def busy_workers(app) -> list:
    return [w for w in app.workers if not w.is_finished]


async def settle(pilot) -> None:
    """Until the app is quiet: every queued message handled, every worker finished, the
    screen repainted, twice in a row. A worker that ends by posting a message which starts
    another worker (a refused call opening Why?) is waited for as well: however slow the
    machine, nothing the last key set going is still on its way."""
    app = pilot.app
    if hasattr(app, "loaded"):
        await app.loaded.wait()  # the tabs, mounted once the first frame is up
    quiet = 0
    while quiet < 2:
        await pilot.pause()
        if busy_workers(app):
            quiet = 0
            for worker in busy_workers(app):
                await finished(worker)
        else:
            quiet += 1


async def finished(worker) -> None:
    """Until `worker` is done. Cancelled is one way to be done: an exclusive worker is
    cancelled when a newer one of its group starts (the Grants screen's organizations
    of a grant, when the cursor moves on); a failure still fails the test."""
    from textual.worker import WorkerCancelled, WorkerState

    if worker.state == WorkerState.PENDING:
        return  # not started yet: the caller pauses and looks again
    try:
        await worker.wait()
    except WorkerCancelled:
        pass


async def paste(pilot, text: str) -> None:
    """Put `text` in the inspector's box and press Enter, as a user pasting a token."""
    from textual.widgets import Input

    box = pilot.app.query_one("#paste", Input)
    box.focus()
    box.value = text
    await pilot.press("enter")
    await settle(pilot)


def notes(app) -> str:
    """Every notice the app showed (its notice line), as one string."""
    from m2m_tui.tui.notice_line import NoticeLine

    return " ".join(app.screen_stack[0].query_one(NoticeLine).said)


def text_of(widget) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=200, record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


def svg_text(svg: str) -> str:
    """The characters an SVG screenshot shows, without its markup."""
    import re

    plain = re.sub(r"<[^>]+>", "", svg).replace("&#160;", " ")
    return " ".join(plain.replace("&gt;", ">").replace("&lt;", "<").split())


def screen_words(app) -> str:
    """The words on the screen as a user sees them (its screenshot, tags and spacing
    dropped): what is cut off or hidden is not in it."""
    return svg_text(app.export_screenshot())
