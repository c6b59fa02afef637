"""Feature package: one chat's behaviour. The controller sends the request and
streams the reply into the chat's model on the event loop; the error banner and
notice bar say what went wrong or why it waits; the recorder saves every change.
May import: ``ui.messages``, ``ui.text``, ``ui.workers``, ``ui.theme`` and ``core``
objects (services, domain); never another feature package or ``ui.shell``.
"""
