"""Where files come from: the file dialog (Ctrl+U, the Attach button) and files dropped
on the composer or the conversation."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QWidget

FILTERS = (
    "All files (*)",
    "Documents (*.pdf *.docx *.txt *.md *.markdown *.csv *.json *.html *.htm)",
    "PDF (*.pdf)",
    "Word (*.docx)",
)


def local_files(mime: QMimeData | None) -> list[Path]:
    """The local files a drop or a paste carries (none: it is not files)."""
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class FilePicker(QObject):
    """The file dialog, several files at once; it remembers the last folder."""

    chosen = Signal(list)  # list[str]

    def __init__(self, window: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._folder = str(Path.home())
        self.dialog: QFileDialog | None = None  # while open

    def open(self) -> None:
        if self.dialog is not None:
            self.dialog.raise_()
            return
        dialog = QFileDialog(self._window, "Attach files", self._folder)
        dialog.setObjectName("attach_dialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilters(list(FILTERS))
        dialog.filesSelected.connect(self._selected)
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.open()

    def _selected(self, files: list[str]) -> None:
        if files:
            self._folder = str(Path(files[0]).parent)
            self.chosen.emit(list(files))

    def _closed(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()


class FileDrops(QObject):
    """Files dropped on the watched widgets: :attr:`dropped`; other drops go on as before."""

    dropped = Signal(list)  # list[Path]

    def watch(self, widget: QWidget) -> None:
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDragEnterEvent | QDragMoveEvent)
            if local_files(event.mimeData()):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            files = local_files(event.mimeData())
            if files:
                event.acceptProposedAction()
                self.dropped.emit(files)
                return True
        return False


