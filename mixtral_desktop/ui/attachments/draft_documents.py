"""The documents attached to one tab's draft: files read on a worker, their chips, their
token counts, and what the user is told when a file cannot be read.

Reading is a coroutine in the tab's task group awaiting
:func:`~mixtral_desktop.core.services.documents.attach.read_document` on the ``io``
executor: the GUI thread only gets the progress (posted at most every 50 ms, shown
after half a second) and the result. Cancel, closing the tab, and the reader's own time
limit all end it; a failure says which file and why, and takes nothing else away (the
draft's text and its other documents stay).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from mixtral_desktop.core.domain.attachments import Attachment, document_block
from mixtral_desktop.core.domain.tokens import TokenCounter
from mixtral_desktop.core.services.documents.attach import (
    Document,
    keep_lines,
    keep_pages,
    pasted,
    read_document,
)
from mixtral_desktop.core.services.documents.errors import (
    Cancelled,
    DocumentError,
    PasswordRequired,
    WrongPassword,
)
from mixtral_desktop.core.services.documents.extracted import page_ranges
from mixtral_desktop.core.services.executors import run_in
from mixtral_desktop.ui.attachments.chips import (
    SHOW_PROGRESS_AFTER_S,
    AttachmentChip,
    AttachmentTray,
    ReadingChip,
)
from mixtral_desktop.ui.attachments.dialogs import KeepPartDialog, ask_password, show_text
from mixtral_desktop.ui.workers.tasks import TaskGroup

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.05


@dataclass
class _Reading:
    path: Path
    chip: ReadingChip
    cancel: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)
    posted: float = 0.0
    task: asyncio.Task[None] | None = None


class DraftDocuments(QObject):
    """The draft's documents, in the order attached."""

    changed = Signal()  # a document was added, removed or cut down: save it, count it
    read_ended = Signal(str)  # a file's reading ended (its name), whatever the outcome

    def __init__(
        self, tray: AttachmentTray, io: Executor, tokens: Executor, counter: TokenCounter,
        tasks: TaskGroup, window: QWidget, parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.tray = tray
        self._io = io
        self._tokens = tokens
        self._counter = counter
        self._tasks = tasks
        self._window = window
        self._documents: dict[AttachmentChip, Document] = {}
        self._readings: list[_Reading] = []
        self._pasted = 0
        self._uncounted: list[AttachmentChip] = []  # restored: counted once counting starts

    # -- what the draft holds -----------------------------------------------------------

    def attachments(self) -> tuple[Attachment, ...]:
        return tuple(chip.attachment for chip in self.tray.chips())

    def reading(self) -> list[str]:
        """The names of the files being read."""
        return [r.path.name for r in self._readings]

    def restore(self, attachments: Sequence[Attachment]) -> None:
        """A saved draft's documents (their token counts wait for :meth:`count_all`)."""
        for attachment in attachments:
            chip = self._add_chip(Document(attachment), count=False)
            self._uncounted.append(chip)

    def count_all(self) -> None:
        """Count the restored documents' tokens (the tab has started counting)."""
        waiting, self._uncounted = self._uncounted, []
        for chip in waiting:
            if shiboken6.isValid(chip):
                self._count(chip)

    def clear(self) -> None:
        """The draft went out with its documents: the chips go (files being read stay)."""
        for chip in self.tray.chips():
            self._drop(chip)
        self.tray.clear_problem()
        self.changed.emit()

    def say(self, text: str) -> None:
        self.tray.say(text)

    # -- adding ---------------------------------------------------------------------------

    def add_files(self, paths: Sequence[Path | str]) -> None:
        for path in paths:
            self._start_reading(Path(path), None)

    def add_pasted(self, text: str) -> None:
        self._pasted += 1
        self._add(pasted(text, self._pasted))

    def _start_reading(self, path: Path, password: str | None) -> None:
        if self._tasks.closed:
            return
        chip = ReadingChip(path.name, self.tray)
        self.tray.add(chip)
        reading = _Reading(path, chip)
        chip.cancel_requested.connect(lambda: self._cancel(reading))
        self._readings.append(reading)
        reading.task = self._tasks.start(self._read(reading, password), f"read {path.name}")

    async def _read(self, reading: _Reading, password: str | None) -> None:
        loop = asyncio.get_running_loop()
        unit = "page" if reading.path.suffix.lower() == ".pdf" else "%"

        def progress(done: int, total: int) -> None:  # (on the worker)
            now = time.monotonic()
            if now - reading.started < SHOW_PROGRESS_AFTER_S or (
                now - reading.posted < PROGRESS_EVERY_S
            ):
                return
            reading.posted = now
            loop.call_soon_threadsafe(self._show_progress, reading, done, total, unit)

        name = reading.path.name
        try:
            document = await run_in(self._io, partial(
                read_document, reading.path, password=password, progress=progress,
                cancelled=reading.cancel.is_set,
            ))
        except asyncio.CancelledError:
            reading.cancel.set()  # (the worker stops at its next page or chunk)
            self._end(reading)
            raise
        except (PasswordRequired, WrongPassword) as error:
            self._end(reading)
            path = reading.path

            def given(password: str | None) -> None:
                if password is not None:  # (None: the user cancelled)
                    self._start_reading(path, password)

            ask_password(self._window, name, isinstance(error, WrongPassword), given)
            return
        except Cancelled:
            self._end(reading)
            return
        except DocumentError as error:
            self._end(reading)
            self.say(f"Could not attach {error}. Nothing else was changed.")
            return
        except Exception:  # a reader's bug: said, not hidden, and nothing lost
            log.exception("reading a document failed")
            self._end(reading)
            self.say(f"Could not attach {name}: the file could not be read.")
            return
        self._end(reading)
        self._add(document)

    def _show_progress(self, reading: _Reading, done: int, total: int, unit: str) -> None:
        if shiboken6.isValid(reading.chip):
            reading.chip.set_progress(done, total, unit)

    def _cancel(self, reading: _Reading) -> None:
        reading.cancel.set()
        if reading.task is not None:
            reading.task.cancel()

    def _end(self, reading: _Reading) -> None:
        if reading in self._readings:
            self._readings.remove(reading)
        if shiboken6.isValid(reading.chip) and shiboken6.isValid(self.tray):
            self.tray.take(reading.chip)
        self.read_ended.emit(reading.path.name)

    def _add(self, document: Document) -> None:
        attachment = document.attachment
        if any(a.digest == attachment.digest for a in self.attachments()):
            self.say(f"{attachment.name} is attached already.")
            return
        self._add_chip(document)
        notes = []
        if attachment.empty_pages:
            pages = page_ranges(attachment.empty_pages)
            notes.append(f"no text found on page{'s' if len(attachment.empty_pages) > 1 else ''}"
                         f" {pages} (scanned pages are not read); the other pages are attached")
        if attachment.replacements:
            notes.append(f"{attachment.replacements:,} undecodable byte"
                         f"{'s' if attachment.replacements > 1 else ''} shown as �")
        if notes:
            self.say(f"{attachment.name}: " + "; ".join(notes) + ".")
        self.changed.emit()

    def _add_chip(self, document: Document, count: bool = True) -> AttachmentChip:
        chip = AttachmentChip(document.attachment, self.tray)
        self._documents[chip] = document
        chip.remove_requested.connect(lambda: self.remove(chip))
        chip.view_requested.connect(lambda: self._view(chip))
        chip.keep_part_requested.connect(lambda: self._keep_part(chip))
        self.tray.add(chip)
        if count:
            self._count(chip)
        return chip

    def _count(self, chip: AttachmentChip) -> None:
        if not self._tasks.closed:
            self._tasks.start(self._count_chip(chip), "document tokens")

    async def _count_chip(self, chip: AttachmentChip) -> None:
        a = chip.attachment
        tokens = await run_in(self._tokens, self._counter.count_text,
                              document_block(a.name, a.text))
        if shiboken6.isValid(chip):
            chip.set_tokens(tokens)

    # -- the chips' buttons ---------------------------------------------------------------

    def remove(self, chip: AttachmentChip) -> None:
        self._drop(chip)
        self.changed.emit()

    def _drop(self, chip: AttachmentChip) -> None:
        self._documents.pop(chip, None)
        if chip in self._uncounted:
            self._uncounted.remove(chip)
        self.tray.take(chip)

    def _view(self, chip: AttachmentChip) -> None:
        a = chip.attachment
        show_text(self._window, f"Text of {a.name}",
                  f"What was read from {a.name}: this is what the model gets of it.", a.text)

    def _keep_part(self, chip: AttachmentChip) -> None:
        document = self._documents.get(chip)
        if document is None:
            return
        by_pages = bool(document.page_spans)
        a = document.attachment
        total = (a.pages or 0) if by_pages else a.lines
        share = 1.0 if not chip.room or not chip.tokens else chip.room / chip.tokens
        dialog = KeepPartDialog(a.name, "pages" if by_pages else "lines", total,
                                max(1, int(total * min(share, 1.0))), self._window)
        dialog.accepted.connect(lambda: self._cut(chip, document, by_pages, dialog.chosen()))
        dialog.open()

    def _cut(self, chip: AttachmentChip, document: Document, by_pages: bool,
             chosen: tuple[int, int]) -> None:
        try:
            part = (keep_pages if by_pages else keep_lines)(document, *chosen)
        except ValueError as error:
            self.say(f"{document.attachment.name}: {error}.")
            return
        if not shiboken6.isValid(chip):
            return
        index = self.tray.chips().index(chip)
        self._drop(chip)
        self.tray.insert(index, self._add_chip(part))
        self.changed.emit()

    # -- the window's room -----------------------------------------------------------------

    def set_room(self, request_tokens: int, room: int) -> None:
        """The request would be ``request_tokens`` with ``room`` the most the model takes:
        each chip says when it alone does not fit in what the rest leaves."""
        chips = self.tray.chips()
        counted = sum(chip.tokens or 0 for chip in chips)
        for chip in chips:
            if chip.tokens is None:
                continue
            left = room - (request_tokens - counted) - (counted - chip.tokens)
            chip.set_room(left if request_tokens > room else None)

    def shutdown(self) -> None:
        """The tab closes: every reading stops."""
        for reading in list(self._readings):
            reading.cancel.set()
