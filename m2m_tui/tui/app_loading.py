"""How the app loads after its first frame (tui/first_frame.py): the session, the tabs
and httpx come once the frame, keys included, is on the screen; until then only quit,
help and the palette work, and the other keys wait for the tabs. A mixin of M2MApp,
which holds the state it reads."""

from __future__ import annotations

import asyncio

from m2m_tui.tui.jobs import job

# Keys that work before the tabs are there: the rest wait for them (a few tenths of a
# second after the first frame).
EARLY_ACTIONS = {"quit", "help", "command_palette"}
# A user who reads "Press t" on the first frame and presses it at once (a slow machine, a
# browser tab through `m2m-tui web`) gets the token when the tabs are there, not nothing.
# A few keys are kept: more is someone leaning on the keyboard.
HELD_KEYS = 4


class FirstFrameLoading:
    def when_keys_shown(self, hops: int) -> None:
        """after_first_paint, once the footer has drawn its keys: they come a refresh or
        two after the rest of the first frame, and the loading after it must not keep
        them off the screen. Never more than a few refreshes."""
        if not self.query("FooterKey") and hops < 5:
            self.call_after_refresh(self.when_keys_shown, hops + 1)
            return
        self.after_first_paint()

    @job("first-paint", "Loading the app failed")
    async def after_first_paint(self) -> None:
        """The first frame is up: open the session, mount the tabs, load httpx (on the
        event loop, before any worker: Python 3.11's LazyLoader must not race two
        threads), and only then start the workers."""
        from m2m_tui.lazy import lazy_module

        # Imported beside the event loop, which meanwhile finishes the first frame (the
        # footer draws its keys a moment after the rest).
        if not self.ready:
            try:
                await asyncio.to_thread(_import_the_rest)
                self.session = self.loader.load()
                await self.mount_tabs()
                self.tabs_mounted()
            finally:
                self.loaded.set()  # a failure is said on the first frame, never a wait
        lazy_module("httpx").AsyncClient  # noqa: B018 (the attribute access loads it)
        self.start_up()

    def tabs_mounted(self) -> None:
        self.show_subtitle()
        self.token_tab.focus_content()
        self.ready = True
        self.loaded.set()
        self.refresh_bindings()  # the footer's keys, no longer dimmed
        held, self.held_actions = self.held_actions, []
        for action in held:
            self.call_later(self.run_action, action)

    async def run_action(self, action, default_namespace=None, namespaces=None) -> bool:
        """An app key pressed before the tabs are there is held, and run once they are."""
        name = action.split("(", 1)[0] if isinstance(action, str) else None
        if (
            not self.ready
            and name is not None
            and default_namespace in (None, self)
            and name not in EARLY_ACTIONS
            and hasattr(self, f"action_{name}")
        ):
            if len(self.held_actions) < HELD_KEYS:
                self.held_actions.append(action)
            return True
        return await super().run_action(action, default_namespace, namespaces)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Until the tabs are there, only quit, help and the palette; the other keys
        show in the footer (dimmed) and do nothing yet."""
        return True if self.ready or action in EARLY_ACTIONS else None


def _import_the_rest() -> None:
    """What the tabs need and the first frame did not: the tabs, the session and the
    views (none of them loads httpx, whose lazy loader must stay on the event loop)."""
    import m2m_tui.session.session  # noqa: F401
    import m2m_tui.tui.tabs  # noqa: F401
