"""The window's link to the history database: tabs restored, saved, opened, exported.

Widgets never call SQL: the window hands this object its tabs, and the recorders it
attaches save what happens in them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QObject, QTimer, Signal

from mixtral_desktop.core.storage import transfer as export
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.conversation.recorder import ConversationRecorder

if TYPE_CHECKING:
    from mixtral_desktop.ui.shell.chat_tab import ChatTab
    from mixtral_desktop.ui.shell.main_window import MainWindow

log = logging.getLogger(__name__)

OPEN_TABS = "open_tabs"
ACTIVE_TAB = "active_tab"
GEOMETRY = "window_geometry"
WINDOW_STATE = "window_state"
UNTITLED = "New chat"


class WindowSession(QObject):
    history_changed = Signal()  # a conversation was created, changed or renamed

    def __init__(self, window: MainWindow, store: Store) -> None:
        super().__init__(window)
        self.window = window
        self.store = store
        self._recorders: dict[ChatTab, ConversationRecorder] = {}
        self._save_tabs_timer = QTimer(self)
        self._save_tabs_timer.setSingleShot(True)
        self._save_tabs_timer.setInterval(200)
        self._save_tabs_timer.timeout.connect(self.save_tabs)
        self._geometry_timer = QTimer(self)
        self._geometry_timer.setSingleShot(True)
        self._geometry_timer.setInterval(1000)
        self._geometry_timer.timeout.connect(self.save_geometry)

    # -- tabs -----------------------------------------------------------------------

    def attach(self, tab: ChatTab, conversation_id: int | None) -> None:
        """Give ``tab`` a recorder; with an id, load that conversation into it first."""
        if conversation_id is not None:
            draft, role = self.store.draft(conversation_id)
            tab.load(self.store.messages(conversation_id), draft, role)
        recorder = ConversationRecorder(self.store, tab.model, conversation_id, tab)
        self._recorders[tab] = recorder
        tab.composer.input.textChanged.connect(lambda: self._draft_changed(tab))
        tab.composer.role_selector.currentIndexChanged.connect(lambda _i: self._draft_changed(tab))
        recorder.conversation_created.connect(lambda _id: self.tabs_changed())
        recorder.changed.connect(lambda cid, t=tab: self._on_recorded(t, cid))

    def conversation_id(self, tab: ChatTab) -> int | None:
        recorder = self._recorders.get(tab)
        return None if recorder is None else recorder.conversation_id

    def recorder(self, tab: ChatTab) -> ConversationRecorder | None:
        return self._recorders.get(tab)

    def title(self, tab: ChatTab) -> str:
        conversation_id = self.conversation_id(tab)
        info = None if conversation_id is None else self.store.conversation(conversation_id)
        return info.title if info is not None and info.title else UNTITLED

    def tab_of(self, conversation_id: int) -> ChatTab | None:
        for tab, recorder in self._recorders.items():
            if recorder.conversation_id == conversation_id:
                return tab
        return None

    def detach(self, tab: ChatTab) -> None:
        """The tab closes: save what is pending; an empty conversation is not kept."""
        recorder = self._recorders.pop(tab, None)
        if recorder is None:
            return
        recorder.flush()
        conversation_id = recorder.conversation_id
        if conversation_id is not None and tab.model.rowCount() == 0 and not tab.composer.text():
            self.store.purge_conversation(conversation_id)
        self.tabs_changed()

    def rename(self, tab: ChatTab, title: str) -> None:
        recorder = self._recorders.get(tab)
        if recorder is not None:
            self.store.rename_conversation(recorder.ensure_conversation(), title)
            self.history_changed.emit()

    def tabs_changed(self) -> None:
        self._save_tabs_timer.start()

    def _draft_changed(self, tab: ChatTab) -> None:
        recorder = self._recorders.get(tab)
        if recorder is not None:
            recorder.draft_changed(tab.composer.text(), tab.composer.role())

    def _on_recorded(self, tab: ChatTab, _conversation_id: int) -> None:
        self.window.set_tab_title(tab, self.title(tab))
        self.history_changed.emit()

    # -- saving and restoring -------------------------------------------------------------

    def save_tabs(self) -> None:
        self._save_tabs_timer.stop()
        ids: list[int] = []
        active = 0
        current = self.window.tabs.currentWidget()
        for tab in self.window.chat_tabs():
            conversation_id = self.conversation_id(tab)
            if conversation_id is None:
                continue
            if tab is current:
                active = len(ids)
            ids.append(conversation_id)
        self.store.set_state(OPEN_TABS, json.dumps(ids))
        self.store.set_state(ACTIVE_TAB, str(active))

    def save_geometry(self) -> None:
        self._geometry_timer.stop()
        self.store.set_state(GEOMETRY, _base64(self.window.saveGeometry()))
        self.store.set_state(WINDOW_STATE, _base64(self.window.saveState()))

    def geometry_changed(self) -> None:
        self._geometry_timer.start()

    def restore(self) -> None:
        """Reopen last session's tabs in order, the active one selected, and the geometry."""
        geometry = self.store.state(GEOMETRY)
        if geometry:
            self.window.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
        window_state = self.store.state(WINDOW_STATE)
        if window_state:
            self.window.restoreState(QByteArray.fromBase64(window_state.encode()))
        try:
            ids = [int(i) for i in json.loads(self.store.state(OPEN_TABS) or "[]")]
            active = int(self.store.state(ACTIVE_TAB) or 0)
        except (ValueError, TypeError):
            log.warning("saved tab list unreadable; starting with a new chat")
            ids, active = [], 0
        opened = [i for i in ids if self.store.conversation(i) is not None]
        for conversation_id in opened:
            self.window.new_tab(conversation_id)
        if not opened:
            self.window.new_tab()
        self.window.tabs.setCurrentIndex(min(max(active, 0), self.window.tabs.count() - 1))

    def flush_all(self) -> None:
        """Before quitting: every recorder, the tab list, the geometry."""
        for recorder in self._recorders.values():
            recorder.flush()
        self.save_tabs()
        self.save_geometry()

    # -- export and import --------------------------------------------------------------

    def export(self, tab: ChatTab, path: Path, kind: str) -> None:
        recorder = self._recorders.get(tab)
        if recorder is None:
            raise ValueError("nothing to export")
        recorder.flush()
        conversation_id = recorder.ensure_conversation()
        info = self.store.conversation(conversation_id)
        assert info is not None
        messages = self.store.messages(conversation_id)
        if kind == "json":
            text = export.dumps(export.to_json(info, messages))
        else:
            text = export.to_markdown(info, messages)
        path.write_text(text, encoding="utf-8")

    def import_json(self, path: Path) -> int:
        data = json.loads(path.read_text(encoding="utf-8"))
        conversation_id = export.import_conversation(self.store, data)
        self.history_changed.emit()
        return conversation_id


def _base64(data: QByteArray) -> str:
    return bytes(data.toBase64().data()).decode("ascii")
