"""Which conversation each tab shows, and the recorder that saves it.

Widgets never call SQL: the window attaches each tab here, and the recorder made for it
saves what happens in the tab's model and composer. This object knows tabs and the
store, never the window: it tells what changed by signals.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from mixtral_desktop.core.domain.titles import display_title
from mixtral_desktop.core.storage.store import Store
from mixtral_desktop.ui.conversation.recorder import ConversationRecorder
from mixtral_desktop.ui.shell.chat_tab import ChatTab


class WindowSession(QObject):
    history_changed = Signal()  # a conversation was created, changed or renamed
    title_changed = Signal(object)  # ChatTab: its conversation's title may have changed
    tabs_changed = Signal()  # the list of open conversations changed (to be saved)

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._recorders: dict[ChatTab, ConversationRecorder] = {}

    def attach(self, tab: ChatTab, conversation_id: int | None) -> None:
        """Give ``tab`` a recorder; with an id, load that conversation (and its settings)
        into it first."""
        if conversation_id is not None:
            tab.chat_settings.load(self.store.chat_settings.get(conversation_id))
            draft, role = self.store.draft(conversation_id)
            tab.load(self.store.tree(conversation_id), draft, role,
                     self.store.attachments.of_draft(conversation_id))
        recorder = ConversationRecorder(self.store, tab.model, conversation_id, tab)
        self._recorders[tab] = recorder
        if conversation_id is not None:
            first = self.store.chat_settings.context_from(conversation_id)
            tab.context.set_first_key(None if first is None else recorder.key_of(first))
        tab.draft_changed.connect(
            lambda: recorder.draft_changed(*tab.composer.draft())
        )
        tab.documents.changed.connect(
            lambda: recorder.documents_changed(*tab.composer.draft(), tab.documents.attachments())
        )
        recorder.conversation_created.connect(lambda _id: self.tabs_changed.emit())
        recorder.changed.connect(lambda _id: self._on_recorded(tab))
        tab.chat_settings.changed.connect(lambda: self._save_settings(tab))
        tab.context.changed.connect(lambda: self._save_context(tab))

    def detach(self, tab: ChatTab) -> None:
        """The tab closes: save what is pending; an empty conversation is not kept."""
        recorder = self._recorders.pop(tab, None)
        if recorder is None:
            return
        recorder.flush()
        conversation_id = recorder.conversation_id
        empty = (tab.model.rowCount() == 0 and not tab.composer.draft()[0]
                 and not tab.documents.attachments())
        if conversation_id is not None and empty:
            self.store.purge_conversation(conversation_id)
        self.tabs_changed.emit()

    def conversation_id(self, tab: ChatTab) -> int | None:
        recorder = self._recorders.get(tab)
        return None if recorder is None else recorder.conversation_id

    def recorder(self, tab: ChatTab) -> ConversationRecorder | None:
        return self._recorders.get(tab)

    def saved_conversation(self, tab: ChatTab) -> int | None:
        """``tab``'s conversation with everything pending written (made if need be)."""
        recorder = self._recorders.get(tab)
        if recorder is None:
            return None
        recorder.flush()
        return recorder.ensure_conversation()

    def title(self, tab: ChatTab) -> str:
        conversation_id = self.conversation_id(tab)
        info = None if conversation_id is None else self.store.conversation(conversation_id)
        return display_title(info.title if info is not None else "")

    def tab_of(self, conversation_id: int) -> ChatTab | None:
        for tab, recorder in self._recorders.items():
            if recorder.conversation_id == conversation_id:
                return tab
        return None

    def rename(self, tab: ChatTab, title: str) -> None:
        recorder = self._recorders.get(tab)
        if recorder is not None:
            self.store.rename_conversation(recorder.ensure_conversation(), title)
            self.history_changed.emit()

    def flush_all(self) -> None:
        """Before quitting: every recorder writes what is pending."""
        for recorder in self._recorders.values():
            recorder.flush()

    def _save_settings(self, tab: ChatTab) -> None:
        """The chat's settings changed: keep them (a new chat is created for them)."""
        recorder = self._recorders.get(tab)
        if recorder is None:
            return
        settings = tab.chat_settings.settings()
        if recorder.conversation_id is None and settings.is_default():
            return
        self.store.chat_settings.set(recorder.ensure_conversation(), settings)

    def _save_context(self, tab: ChatTab) -> None:
        """The chat's first sent message changed: keep the choice with the chat."""
        recorder = self._recorders.get(tab)
        if recorder is None:
            return
        recorder.flush()
        first = None
        if tab.context.first_key() is not None:
            first = recorder.message_id(tab.context.first_row())
        self.store.chat_settings.set_context_from(recorder.ensure_conversation(), first)

    def _on_recorded(self, tab: ChatTab) -> None:
        self.title_changed.emit(tab)
        self.history_changed.emit()
