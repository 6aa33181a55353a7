"""The app's tabs, in order: (title, id, widget class). Imported once the first frame is
on the screen (tui/first_frame.py draws their titles before)."""

from __future__ import annotations

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
