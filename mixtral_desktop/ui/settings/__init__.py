"""Feature package: the dialogs that change how the app works: the API key dialog
(check, save to the keyring, remove) and the settings dialog (rate limit…).
May import: ``ui.workers``, ``ui.theme`` and ``core`` (config, services, segmind
errors); never another feature package or ``ui.shell``.
"""
