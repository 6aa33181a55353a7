"""The command palette's entries: the app's keys, the tabs' own keys, and those of a
screen on top. A mixin of M2MApp."""

from __future__ import annotations

from textual.app import SystemCommand
from textual.screen import Screen


class PaletteCommands:
    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        if screen is not self.screen_stack[0]:
            # A screen on top (Grants) owns the keys: offer its actions, not the app's.
            for binding in screen.BINDINGS:
                yield SystemCommand(
                    binding.description,
                    f"key {binding.key}",
                    lambda a=binding.action: screen.run_action(a),
                )
            return
        for binding in self.BINDINGS:
            if binding.action == "quit":
                continue
            yield SystemCommand(
                binding.description,
                f"key {binding.key}",
                lambda a=binding.action: self.run_action(a),
            )
        # The tabs' own keys too, run on their tab (shown first, so the key applies).
        from m2m_tui.tui.tabs import TABS

        for _, tab_id, kind in TABS:
            for binding in kind.__dict__.get("BINDINGS", []):
                yield SystemCommand(
                    binding.description,
                    f"key {binding.key}, in the {tab_id} tab",
                    lambda t=tab_id, a=binding.action: self.run_tab_action(t, a),
                )

    async def run_tab_action(self, tab_id: str, action: str) -> None:
        self.action_show_tab(tab_id)
        await self.query_one(f"#{tab_id}-tab").run_action(action)
