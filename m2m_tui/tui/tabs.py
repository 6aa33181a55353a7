"""The app's tabs, in order: (title, id, widget class). Imported once the first frame is
on the screen (tui/first_frame.py draws their titles before)."""

from __future__ import annotations

from textual.widgets import TabbedContent, TabPane

from m2m_tui.tui.api_tab import ApiTab
from m2m_tui.tui.first_frame import TAB_TITLES
from m2m_tui.tui.history_tab import HistoryTab
from m2m_tui.tui.inspector_tab import InspectorTab
from m2m_tui.tui.lab_tab import LabTab
from m2m_tui.tui.preview_tab import PreviewTab
from m2m_tui.tui.token_tab import TokenTab
from m2m_tui.tui.why_tab import WhyTab

KINDS = {
    "token": TokenTab,
    "preview": PreviewTab,
    "inspector": InspectorTab,
    "api": ApiTab,
    "why": WhyTab,
    "lab": LabTab,
    "history": HistoryTab,
}
TABS = tuple((title, tab_id, KINDS[tab_id]) for title, tab_id in TAB_TITLES)


class AppTabs(TabbedContent):
    """The app's TabbedContent, which follows focus only while the focus is still there.

    Textual makes the pane that receives focus the active tab, through a message
    (`TabPane.Focused`) handled a few turns later. By then another tab may have been shown
    on purpose (the API tab after a fix, then the Token tab the demo asks for; a screen
    closing gives focus back to a pane just left): a stale message would take the tab back.
    """

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        # Textual runs this class's handler, then TabbedContent's (which activates the
        # pane) unless the default is prevented.
        focused = self.screen.focused
        if focused is None or event.tab_pane not in (focused, *focused.ancestors):
            event.stop()
            event.prevent_default()  # focus has moved on since: the tab shown now stays
