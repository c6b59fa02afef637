"""Where the app keeps things and how it is configured: file paths (XDG), settings,
logging with the key redacted, and the API key in the OS keyring (``secrets``).
May import: ``core.segmind`` (its environment config), ``core.net``, ``core.domain``
and the standard library; no Qt, no ``ui``, no ``app`` (import-linter checks).
"""
