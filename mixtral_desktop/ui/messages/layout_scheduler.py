"""Long texts laid out on the layout worker while their row shows the start.

A text more than ``CATCH_UP_CHARS`` longer than what is laid out of it (a burst of
chunks, a long message scrolled into view) is laid out on a worker thread (a 100 KB
reply: ~100 ms no frame should wait for). Meanwhile its row shows the start laid out so
far, or its first :data:`START_CHARS` (kept short: they are laid out on the GUI thread,
at the busiest moment of a burst); when the whole arrives, the row is laid out again.

One text is built at a time: the rows waiting ask again when it is done, and a newer
text of a streaming row carries on from the one just built.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QTimer
from PySide6.QtGui import QFont
from shiboken6 import isValid

from mixtral_desktop.core.domain.conversation import Message
from mixtral_desktop.ui.messages.layout_cache import Key, LayoutCache
from mixtral_desktop.ui.text.document import StackedDocument
from mixtral_desktop.ui.workers.layout_pool import LayoutPool

log = logging.getLogger(__name__)

AnyIndex = QModelIndex | QPersistentModelIndex

START_CHARS = 600  # what such a row shows at once until the worker is done
STREAM_BUILD_DELAY_MS = 60
"""A streaming row's text is first laid out on the worker this long after it outran its
layout: a burst (100 KB in ~30 ms) is over by then and laid out once, whole, on two
threads. Laying out its start meanwhile took the CPU the reader and the window needed
(A/B: last byte to painted 55 -> 47 ms, p99 gap 13.0 -> 10.7 ms)."""


class LayoutScheduler(QObject):
    """The rows waiting for a text laid out elsewhere, and the one build in flight.

    ``relayout(index)`` asks the view to lay a row out again (its text arrived);
    ``message_of(index)`` reads a row's message.
    """

    def __init__(
        self,
        cache: LayoutCache,
        layouts: LayoutPool,
        relayout: Callable[[AnyIndex], None],
        message_of: Callable[[AnyIndex], Message | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._cache = cache
        self._layouts = layouts
        self._relayout = relayout
        self._message_of = message_of
        self.partial: dict[Key, tuple[StackedDocument, QPersistentModelIndex]] = {}
        self._building: Key | None = None
        self._rush = threading.Event()  # the worker's build may take a helper thread
        self._generation = 0  # a build started before the documents were dropped is stale
        self.unbuildable: set[Key] = set()  # a worker's build failed: laid out here
        self._stream_delay = QTimer(self)  # until it fires, no streaming text is built
        self._stream_delay.setSingleShot(True)
        self._stream_delay.setInterval(STREAM_BUILD_DELAY_MS)
        self._stream_delay.timeout.connect(self._stream_delay_over)
        self._stream_delay_over_for: str | None = None  # a text whose stream waited

    def building(self) -> bool:
        """Whether a text is being laid out on the worker thread, or waits to be."""
        return self._building is not None or bool(self.partial)

    def waiting(self, key: Key) -> StackedDocument | None:
        """The start shown for ``key`` while its whole text is laid out elsewhere."""
        entry = self.partial.get(key)
        return None if entry is None else entry[0]

    def hurry(self) -> None:
        """The stream is over: the build in flight takes the helper thread."""
        self._rush.set()

    def forget(self) -> None:
        """The documents were dropped: a build in flight is stale, no row waits."""
        self.partial = {}
        self._generation += 1

    def lay_out_elsewhere(
        self, key: Key, base: StackedDocument | None, index: AnyIndex, streaming: bool
    ) -> StackedDocument:
        """Show the start of the text now; the whole follows from the worker thread."""
        if base is None:
            base = self._cache.typesetter.build(
                key[0][:START_CHARS], key[1], self._cache.fonts.text
            )
            self._cache.documents_built += 1
        self.partial[key] = (base, QPersistentModelIndex(index))
        message = self._message_of(index)
        if message is not None:
            # A size remembered from an estimate no longer holds: the row shows the start
            # now. Kept, it made each layout give the row the estimate and each paint
            # find it outgrown: a relayout on every pass until the text was laid out,
            # ~35 in a burst's last 50 ms, on the CPU the layout threads needed.
            self._cache.sizes.pop(id(message), None)
        if self._building is not None:
            if not streaming:
                self._rush.set()  # the stream is over: the build in flight takes the helper
        elif streaming and not self._waited(key[0]):
            if not self._stream_delay.isActive():
                self._stream_delay.start()
        else:
            self._build_elsewhere(key, base, rush=not streaming)
        return base

    def _waited(self, text: str) -> bool:
        """Whether ``text`` extends a streamed text that waited STREAM_BUILD_DELAY_MS."""
        waited = self._stream_delay_over_for
        return waited is not None and text.startswith(waited)

    def _stream_delay_over(self) -> None:
        """The stream still outruns its layout: the waiting rows ask again, and build
        (each later text of that stream at once)."""
        if self._building is not None or not self.partial:
            return  # (the stream ended meanwhile: its text is being built)
        self._stream_delay_over_for = max(self.partial, key=lambda k: len(k[0]))[0]
        self._ask_again()

    def _build_elsewhere(self, key: Key, base: StackedDocument, rush: bool) -> None:
        """Lay ``key``'s text out on the worker thread. A second thread helps with the
        pieces once ``rush`` is set: at once for a finished text, when its stream ends
        for a streaming one (until then the window and the reader need the CPU more)."""
        self._building = key
        text = key[0]
        generation = self._generation
        font = QFont(self._cache.fonts.text)
        home = self.thread()
        self._rush = threading.Event()
        if rush:
            self._rush.set()
        helper_wanted = self._rush
        typesetter = self._cache.typesetter
        typesetter.renderer.prepare_for_threads()

        def build() -> StackedDocument:
            return typesetter.build_for_thread(text, base, font, home, helper_wanted)

        def done(document: StackedDocument | None, error: Exception | None) -> None:
            if not isValid(self):
                return
            if error is not None:
                log.error("laying a message out failed: %s", type(error).__name__)
                self.unbuildable.add(key)
            self._built(key, generation, base, document)

        self._layouts.submit(build, done)

    def _built(
        self, key: Key, generation: int, base: StackedDocument, document: StackedDocument | None
    ) -> None:
        """A worker's build is done: keep it (unless stale) and let waiting rows ask again."""
        self._building = None
        self._cache.documents_built += 1
        if document is not None and generation == self._generation:
            self._cache.keep(key, document, base)
        self._ask_again()

    def _ask_again(self) -> None:
        """The rows waiting for a text to be laid out elsewhere are laid out again (and
        ask for their text again)."""
        waiting, self.partial = self.partial, {}
        for _, index in waiting.values():
            if index.isValid():
                self._relayout(index)
