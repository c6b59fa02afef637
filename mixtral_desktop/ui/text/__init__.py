"""Markdown to rich text: the parser and renderer, code highlighting (lexers loaded
on a worker), ``QTextDocument`` set-up, and the one module (``native``) that calls
into Qt's C++ text layout with ctypes, with a pure-PySide fallback.
May import: ``ui.workers``, ``ui.theme``, ``core.domain``; no feature package.
"""
