"""Shared widgets for showing messages: the conversation model, the list view, its
delegate (painting), the layout caches and scheduler, row measurement, scroll
budgeting, selectable text over a row and the actions on a message. Used by the
conversation feature and the shell.
May import: ``ui.text``, ``ui.workers``, ``ui.theme``, ``core.domain``; no feature.
"""
