"""Plain-Python core: the domain, the network, Segmind's API, the history, the
configuration and the services the UI calls (replies, credits, search).

May import: the standard library and plain-Python libraries (``requests``,
``keyring``…); no Qt, shiboken6 or qasync anywhere below this package, and never
``ui`` or ``app`` (import-linter checks, see ``pyproject.toml``).
"""
