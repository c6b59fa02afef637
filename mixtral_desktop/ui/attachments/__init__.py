"""Documents in the context: the chips above the composer (``chips``), reading files on
a worker for one draft (``draft_documents``), the file dialog and drops (``choosing``),
and the dialogs that show a document's text, ask for a PDF's password or which pages
to keep (``dialogs``).

A feature package: it imports core (documents, tokens), ``ui.workers`` and ``ui.theme``,
never another feature; the shell wires it to the composer and the conversation
(``ui/shell/document_flow.py``).
"""
