"""Documents put in the context: a file read into the text the model gets.

Plain Python (no Qt), run on a worker (the app's executors): :func:`extract.extract`
picks the reader by the file's kind (:mod:`kinds`) and returns an
:class:`~.extracted.Extracted`; every way a file can fail is a
:class:`~.errors.DocumentError` whose message names the file and the reason. The
libraries a kind needs (pypdfium2 for PDF) are imported only when a file of that kind
is read.
"""
