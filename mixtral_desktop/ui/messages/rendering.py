"""What rendering messages takes, made once for a window and handed to every view.

The lexer loader, the Markdown renderer, the typesetter (documents from rendered
Markdown, through the native or the PySide text engine) and the layout threads. No
module keeps any of them: a view is given its :class:`Rendering`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass

from mixtral_desktop.ui.text.document import Typesetter
from mixtral_desktop.ui.text.lexers import LexerLoader
from mixtral_desktop.ui.text.native import choose_engine
from mixtral_desktop.ui.text.renderer import MarkdownRenderer
from mixtral_desktop.ui.theme.current import theme_changed
from mixtral_desktop.ui.workers.idle import FirstFrame
from mixtral_desktop.ui.workers.layout_pool import LayoutPool
from mixtral_desktop.ui.workers.tasks import TaskGroup


@dataclass
class Rendering:
    lexers: LexerLoader
    renderer: MarkdownRenderer
    typesetter: Typesetter
    layouts: LayoutPool

    @classmethod
    def create(
        cls,
        executor: Executor,
        tasks: TaskGroup,
        first_frame: FirstFrame | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> Rendering:
        """Lexers built on ``executor`` by ``tasks``' coroutines, not before the first
        frame; the text engine chosen from ``environ`` (``MIXTRAL_DESKTOP_PURE_QT_TEXT``)."""
        lexers = LexerLoader(executor, tasks, first_frame)
        renderer = MarkdownRenderer(lexers)
        layouts = LayoutPool()
        typesetter = Typesetter(renderer, choose_engine(environ), layouts.helper)
        theme_changed().connect(renderer.recolour)
        return cls(lexers, renderer, typesetter, layouts)

    def shutdown(self) -> None:
        """Join the layout threads (the lexers' tasks end with their task group)."""
        self.layouts.shutdown()
