"""The history in SQLite: opening, migrating, probing and recovering the database,
conversations, messages, drafts and the app's own state, full-text search on a
read-only connection, and JSON/Markdown export and import. Every SQL statement of
the app is here. May import: ``core.domain``, ``sqlite3`` and the standard library.
"""
